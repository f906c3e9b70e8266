"""Fichier d'accès (TDB_ACCES) : lecture, contrôles en français qui nomment l'entrée, périmètre d'une identité."""

from __future__ import annotations

from pathlib import Path

import pytest

from donnees import habilitations as H

CHEMIN = Path("/srv/acces.toml")
REGIONS = ["11", "53", "84", "01"]

EXEMPLE = """
[[acces]]
email = "Coordination@ARML-Bretagne.fr"
profil = "region"
code = "53"

[[acces]]
domaine = "unml.info"
profil = "national"
administrateur = true

[[acces]]
domaine = "social.gouv.fr"
profil = "national"

[[acces]]
domaine = "dgefp.social.gouv.fr"
profil = "region"
code = "11"

[[acces]]
email = "direction@ml-brest.fr"
profil = "ml"
code = "ML0042"
"""


@pytest.fixture(scope="module")
def acces() -> H.Acces:
    return H.lire(EXEMPLE, CHEMIN, REGIONS)


@pytest.mark.parametrize(("email", "attendu"), [
    ("coordination@arml-bretagne.fr", ("region", "53", False)),
    (" COORDINATION@arml-bretagne.FR ", ("region", "53", False)),  # casse et espaces ignorés
    ("qui.que.ce.soit@unml.info", ("national", None, True)),
    ("agent@social.gouv.fr", ("national", None, False)),
    ("agent@dgefp.social.gouv.fr", ("region", "11", False)),  # le domaine le plus précis l'emporte
    ("agent@x.dgefp.social.gouv.fr", ("region", "11", False)),  # sous-domaine d'un domaine décrit
    ("direction@ml-brest.fr", ("ml", "ML0042", False)),
])
def test_perimetre_d_une_identite(acces, email, attendu):
    p = acces.perimetre_de(email)
    assert (p.profil, p.code, p.administrateur) == attendu
    assert p.identite == email.strip().lower()


@pytest.mark.parametrize("email", [
    "inconnu@arml-normandie.fr", "autre@ml-brest.fr", "coordination@arml-bretagne.fr.pirate.com",
    "unml.info@exemple.fr", "x@notunml.info", "", None, "pas-une-adresse",
])
def test_identite_absente_refusee(acces, email):
    assert acces.perimetre_de(email) is None


def test_profils_et_droits():
    assert H.Perimetre("national").voit_tout and H.PERIMETRE_LOCAL.voit_tout
    assert not H.Perimetre("region", "53").voit_tout and not H.Perimetre("ml", "X").voit_tout
    assert H.PERIMETRE_LOCAL.peut_administrer and H.Perimetre.LOCAL is H.PERIMETRE_LOCAL
    assert not H.Perimetre("national").peut_administrer
    assert H.Perimetre("region", "53", administrateur=True).peut_administrer


@pytest.mark.parametrize(("texte", "morceaux"), [
    ("[[acces]]\nemail = 'a@b.fr'\nprofil = 'regional'\ncode = '53'\n",
     ["acces.toml", "entrée n° 1 (a@b.fr)", "« profil »", "'regional'"]),
    ("[[acces]]\nprofil = 'national'\n", ["entrée n° 1", "soit « email », soit « domaine »"]),
    ("[[acces]]\nemail = 'a@b.fr'\ndomaine = 'b.fr'\nprofil = 'national'\n", ["entrée n° 1 (a@b.fr)", "un seul"]),
    ("[[acces]]\nemail = 'a@b.fr'\nprofil = 'national'\n[[acces]]\nemail = 'c@d.fr'\nprofil = 'region'\n",
     ["entrée n° 2 (c@d.fr)", "demande « code »", "région"]),
    ("[[acces]]\nemail = 'c@d.fr'\nprofil = 'region'\ncode = 53\n", ["entrée n° 1 (c@d.fr)", "« code »"]),
    ("[[acces]]\nemail = 'c@d.fr'\nprofil = 'region'\ncode = '99'\n",
     ["entrée n° 1 (c@d.fr)", "« 99 » n'est pas un code de région", "53"]),
    ("[[acces]]\nemail = 'c@d.fr'\nprofil = 'national'\ncode = '53'\n", ["n'a pas de « code »"]),
    ("[[acces]]\nemail = 'c@d.fr'\nprofil = 'ml'\n", ["code de la Mission Locale"]),
    ("[[acces]]\nemail = 'pas une adresse'\nprofil = 'national'\n", ["adresse électronique"]),
    ("[[acces]]\ndomaine = 'pas un domaine'\nprofil = 'national'\n", ["nom de domaine"]),
    ("[[acces]]\nemail = 'a@b.fr'\nprofil = 'national'\nadministrateur = 'oui'\n", ["true ou false", "'oui'"]),
    ("[[acces]]\nemail = 'a@b.fr'\nprofil = 'national'\nrole = 'x'\n", ["clé inconnue « role »"]),
    ("[[acces]]\nemail = 'a@b.fr'\nprofil = 'national'\n[[acces]]\nemail = 'A@B.fr'\nprofil = 'ml'\ncode = 'X'\n",
     ["entrée n° 2 (a@b.fr)", "déjà décrite à l'entrée n° 1"]),
    ("[[acces]]\ndomaine = 'b.fr'\nprofil = 'national'\n[[acces]]\ndomaine = '@B.FR'\nprofil = 'national'\n",
     ["entrée n° 2 (b.fr)", "déjà décrite"]),
    ("[acces]\nemail = 'a@b.fr'\n", ["acces.toml", "entrée n° 1", "table"]),
    ("", ["aucune entrée [[acces]]"]),
    ("[[utilisateurs]]\nemail = 'a@b.fr'\n", ["section inconnue « utilisateurs »"]),
    ("[[acces]\nemail = ", ["n'est pas un fichier TOML valide"]),
])
def test_fichier_non_conforme_nomme_l_entree(texte, morceaux):
    with pytest.raises(H.ErreurAcces) as exc:
        H.lire(texte, CHEMIN, REGIONS)
    message = str(exc.value)
    for m in morceaux:
        assert m in message, (m, message)


def test_charger_et_environnement(tmp_path, monkeypatch):
    fichier = tmp_path / "acces.toml"
    fichier.write_text('[[acces]]\nemail = "a@b.fr"\nprofil = "region"\ncode = "53"\n', encoding="utf-8")
    monkeypatch.setenv(H.VARIABLE, str(fichier))
    acces = H.depuis_environnement()
    assert acces is not None and acces.perimetre_de("a@b.fr").code == "53"
    monkeypatch.setenv(H.VARIABLE, "  ")
    assert H.depuis_environnement() is None  # mode local
    monkeypatch.delenv(H.VARIABLE)
    assert H.depuis_environnement() is None
    monkeypatch.setenv(H.VARIABLE, str(tmp_path / "absent.toml"))
    with pytest.raises(H.ErreurAcces, match=r"introuvable : absent\.toml"):
        H.depuis_environnement()
    # les codes de région sont contrôlés sur le référentiel embarqué
    fichier.write_text('[[acces]]\nemail = "a@b.fr"\nprofil = "region"\ncode = "00"\n', encoding="utf-8")
    with pytest.raises(H.ErreurAcces, match="« 00 » n'est pas un code de région"):
        H.charger(fichier)
