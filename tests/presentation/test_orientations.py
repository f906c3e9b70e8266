"""Figures et textes de la page Orientations (presentation/orientations.py), sans Streamlit.

Données : le jeu fait à la main ``jeu_orientations_varie`` (orientations 2024 arrêtées en juin) passé par
``requetes/orientations.py`` ; les nombres attendus viennent d'un calcul indépendant en Polars sur les
fichiers (``Reference`` de tests/requetes/test_orientations.py) ; les textes sont écrits en toutes lettres.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import polars as pl
import pytest

from donnees.contrat import LIBELLES_MOTIF, MOTIFS
from presentation import format as fmt
from presentation import orientations as P
from requetes import orientations as O
from requetes.jeu import JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_orientations_varie
from tests.requetes.test_orientations import Reference

F = "\u202f"  # espace fine insécable (milliers)
E = "\u00a0"  # espace insécable (avant l'unité)


@pytest.fixture(scope="module")
def varie(tmp_path_factory):
    dossier = ecrire_jeu(tmp_path_factory.mktemp("presentation_orientations"), jeu_orientations_varie())
    return JeuDeDonnees(dossier), Reference(dossier)


def test_libelles_et_options():
    options = pl.DataFrame({"code_ml": ["MLA"], "libelle": ["Mission Locale de Belfort (MLA)"]})
    assert P.libelles_ml(options, "France entière") == {
        "": "Toutes les ML (France entière)", "MLA": "Mission Locale de Belfort (MLA)"}
    assert P.libelle_metrique(SimpleNamespace(cle="doubles_pour_1000")) == "Doubles accompagnements (‰)"
    assert P.libelle_metrique(SimpleNamespace(cle="orientes")) is None  # celui du registre
    assert P.titre_sens("ft_vers_ml") == "**France Travail → ML** (délégation du PPAE)"
    assert P.titre_sens("ml_vers_ft").endswith(" (prestations et mesures)")


def test_flux_mensuels(varie):
    jeu, ref = varie
    serie = O.serie_mensuelle(jeu, 2024, "orientes")
    fig = P.figure_mensuelle(serie, "ft_vers_ml", 2024)
    barres, ligne = fig.data
    volumes = ref.mensuel(2024, "ft_vers_ml", "orientes")
    precedents = ref.mensuel(2023, "ft_vers_ml", "orientes")
    assert list(barres.y) == [ref.valeur_mois(volumes, 2024, m) for m in range(1, 13)]
    assert list(ligne.y) == [precedents[m] for m in range(1, 13)]
    assert (barres.name, ligne.name) == ("2024", "2023")
    # infobulles : 46 jeunes en janvier 2024, 42 en janvier 2023, +9,5 % sur un an ; « — » après juin
    assert list(barres.customdata[0]) == [
        fmt.format_valeur(volumes[1], "jeunes"), fmt.pourcentage(100 * (volumes[1] - precedents[1]) / precedents[1],
                                                                 signe=True)]
    assert list(barres.customdata[0]) == [f"46{E}jeunes", f"+9,5{E}%"]
    assert list(barres.customdata[6]) == ["—", "—"]
    assert ligne.customdata[0] == f"42{E}jeunes"


def test_flux_mensuels_sans_donnees():
    vide = pl.DataFrame({"sens": ["ml_vers_ft"] * 2, "libelle_mois": ["janv.", "févr."], "valeur": [None, None],
                         "valeur_precedente": [None, None], "evolution": [None, None]},
                        schema_overrides={c: pl.Float64 for c in ("valeur", "valeur_precedente", "evolution")})
    assert P.figure_mensuelle(vide, "ml_vers_ft", 2024) is None


def test_entonnoir_et_pertes(varie):
    jeu, ref = varie
    o, a, e = ref.volumes(2024, "ft_vers_ml")
    ent = O.entonnoir(jeu, 2024, sens="ft_vers_ml")
    entonnoir = P.figure_entonnoir(ent, "ft_vers_ml").data[0]
    assert list(entonnoir.x) == [o, a, e]
    assert list(entonnoir.text) == [f"{fmt.format_valeur(v, 'jeunes')} ({fmt.pourcentage(100 * v / o)})"
                                    for v in (o, a, e)]
    assert entonnoir.text[0] == f"276{E}jeunes (100,0{E}%)"
    assert P.texte_pertes(ent) == (
        f"- Refusés par la structure d'accueil : **{o - a}{E}jeunes** ({fmt.pourcentage(100 * (o - a) / o)} des "
        f"orientés)\n- Acceptés mais jamais entrés : **{a - e}{E}jeunes** ({fmt.pourcentage(100 * (a - e) / o)} "
        "des orientés)")
    assert P.texte_pertes(ent).startswith(f"- Refusés par la structure d'accueil : **54{E}jeunes** (19,6{E}%")
    assert P.perte_nationale(ent) == pytest.approx(100 - 100 * e / o)
    sans = ent.with_columns(pl.lit(0.0).alias("jeunes"))
    assert P.figure_entonnoir(sans, "ft_vers_ml") is None


def test_pertes_par_territoire(varie):
    jeu, ref = varie
    pertes = O.entonnoir_territoires(jeu, 2024, "ml")
    o, _, e = ref.volumes(2024, "ft_vers_ml")
    fig = P.figure_pertes(pertes, O.entonnoir(jeu, 2024), (None, "MLA"))
    refus, jamais, france = fig.data
    # le taux le plus élevé en haut (dernier de la liste) ; la ML choisie en gras
    assert list(refus.y) == ["<b>Mission Locale de Belfort</b>", "Mission Locale des Abymes"]
    par_ml = ref.par_territoire(2024, "code_ml").sort("code")
    mla = par_ml.row(0, named=True)
    assert refus.x[0] == pytest.approx(100 * (mla["orientes"] - mla["acceptes"]) / mla["orientes"])
    assert jamais.name == "Acceptés jamais entrés (% des orientés)"
    assert jamais.x[0] == pytest.approx(100 * (mla["acceptes"] - mla["entres"]) / mla["orientes"])
    assert france.name == f"Taux de perte de la France : {fmt.pourcentage(100 - 100 * e / o)}"
    assert fig.layout.shapes[0].x0 == pytest.approx(100 - 100 * e / o)
    assert P.figure_pertes(pertes.clear(), O.entonnoir(jeu, 2024), (None, None)) is None
    assert P.note_pertes(pertes) is None
    beaucoup = pl.concat([pertes] * 13)  # 26 territoires
    assert P.note_pertes(beaucoup) == ("Les 20 taux de perte les plus élevés sur 26 ; tous les territoires sont dans "
                                       "le tableau.")
    assert len(P.figure_pertes(beaucoup, O.entonnoir(jeu, 2024), ()).data[0].y) == P.NB_BARRES


def test_motifs(varie):
    jeu, ref = varie
    assert P.regle_motifs(80.0).count(f"plus de 80{E}%") == 1
    mix = O.motifs_perimetre(jeu, 2024)
    fig = P.figure_mix(mix, "France <entière>")
    assert [t.name for t in fig.data] == [LIBELLES_MOTIF[m] for m in MOTIFS]
    assert list(fig.data[0].y) == ["France &lt;entière&gt;"]
    totaux = ref.par_territoire(2024, "code_region").select(list(MOTIFS)).sum()
    o, _, _ = ref.volumes(2024, "ft_vers_ml")
    sociales = MOTIFS.index("difficultes_sociales")
    assert fig.data[sociales].x[0] == pytest.approx(100 * totaux["difficultes_sociales"][0] / o)
    assert fig.data[sociales].text[0] == fmt.pourcentage(100 * totaux["difficultes_sociales"][0] / o, 0)
    assert fig.data[0].text[0] == ""  # part sous 4 % : pas d'étiquette
    assert P.figure_mix(mix.with_columns(pl.lit(0.0).alias("orientes")), "France") is None

    motifs = O.motifs_territoires(jeu, 2024, "ml", seuil=80.0)
    assert P.alerte_motifs(motifs, 80.0) == (
        True, f"**1** territoire sur 2 oriente à plus de 80{E}% pour difficultés sociales ou éloignement de "
              "l'emploi : Mission Locale des Abymes.")
    assert P.alerte_motifs(motifs.with_columns(pl.lit(False).alias("signale")), 100.0) == (
        False, f"Aucun territoire à cette maille n'oriente à plus de 100{E}% pour difficultés sociales ou "
               "éloignement de l'emploi.")
    fig, note = P.figure_motifs(motifs, "ml", 80.0, (None, None))
    assert fig.data[0].y[-1] == "⚑ Mission Locale des Abymes" and fig.data[0].y[0] == "Mission Locale de Belfort"
    assert note.endswith("⚑ marque les territoires au-dessus du seuil.")
    assert P.figure_motifs(motifs.with_columns(pl.lit(0.0).alias("orientes")), "ml", 80.0, ()) is None


def test_alerte_motifs_nomme_douze_territoires_echappes():
    motifs = pl.DataFrame({"nom": [f"ML *{i}*" for i in range(15)] + ["Autre"], "signale": [True] * 15 + [False]})
    signales, texte = P.alerte_motifs(motifs, 75.0)
    assert signales and texte.startswith(f"**15** territoires sur 16 orientent à plus de 75{E}% ")
    assert texte.count("ML \\*") == 12 and texte.endswith("ML \\*11\\* et 3 autres.")


def test_objectif(varie):
    jeu, ref = varie
    suivi = O.objectif_mensuel(jeu, 2024)
    objectif = ref.objectif(2024)
    entrees = ref.mensuel(2024, "ft_vers_ml", "entres")
    cumul = sum(entrees.values())  # janvier à juin
    prorata = objectif * 6 / 12
    assert P.objectif_annuel(suivi) == objectif
    assert P.texte_objectif(suivi) == (
        f"À fin juin 2024 : **{cumul:.0f}{E}jeunes** entrées pour un prorata de {prorata:.0f}{E}jeunes, soit "
        f"**{fmt.pourcentage(100 * cumul / prorata)}** du prorata (écart : {cumul - prorata:.0f}{E}jeunes).")
    assert P.texte_objectif(suivi) == (f"À fin juin 2024 : **168{E}jeunes** entrées pour un prorata de 200{E}jeunes, "
                                       f"soit **84,0{E}%** du prorata (écart : -32{E}jeunes).")
    fig = P.figure_objectif(suivi)
    assert [t.name for t in fig.data] == ["Entrées cumulées", f"Objectif au prorata (objectif annuel : 400{E}jeunes)"]
    assert list(fig.data[0].customdata[5]) == [f"168{E}jeunes", f"84,0{E}%"]
    vide = suivi.with_columns(pl.lit(None, pl.Float64).alias(c) for c in ("entrees_cumulees", "objectif_annuel"))
    assert P.figure_objectif(vide) is None and P.texte_objectif(vide) is None


@pytest.mark.parametrize(("national", "objectif", "attendu"), [
    (400.0, 400.2, f"La somme des objectifs des ML est égale à l'objectif national de l'accord (400{E}jeunes)."),
    (1500.0, 400.0, f"L'objectif national de l'accord (table enveloppe) est de 1{F}500{E}jeunes ; la somme des "
                    f"objectifs des ML, utilisée ici, est de 400{E}jeunes."),
    (None, 400.0, None),
])
def test_objectif_national(national, objectif, attendu):
    assert P.texte_objectif_national(national, objectif) == attendu


def test_objectif_par_territoire(varie):
    jeu, ref = varie
    par_terr = O.objectif_territoires(jeu, 2024, "ml")
    assert P.note_prorata(par_terr) == ("Entrées cumulées de janvier à juin 2024 rapportées à l'objectif annuel × 6 "
                                        "÷ 12. Les territoires les plus en retard en premier.")
    assert P.note_prorata(par_terr.clear()) is None
    retard = P.territoires_en_retard(par_terr)
    assert retard.columns == ["code", "nom", "valeur"]
    entrees_mlb = sum(ref.mensuel(2024, "ft_vers_ml", "entres", code_ml="MLB").values())
    attendu = 100 * entrees_mlb / (ref.objectif(2024, code_ml="MLB") * 6 / 12)
    assert retard.row(0) == ("MLB", "Mission Locale des Abymes", pytest.approx(attendu))


def test_doubles_accompagnements(varie):
    jeu, _ = varie
    mensuel = O.doubles_mensuels(jeu)
    fig = P.figure_doubles(mensuel, 2024)
    courbe = fig.data[0]
    assert list(courbe.customdata[0]) == ["janvier 2023", 8.0]
    assert courbe.x[0] == date(2023, 1, 1)
    assert (fig.layout.shapes[0].x0, fig.layout.shapes[0].x1) == ("2024-01-01", "2024-12-31")
