"""Parties pures de l'outil de charge ``scripts/charge.py`` : adresse (machine locale seulement), centiles,
pages, arguments, lecture des messages du protocole Streamlit, verdict. Sans serveur, sauf le dernier
test (un port où rien n'écoute : l'outil doit s'arrêter vite, en échec)."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from scripts import charge

# --------------------------------------------------------------------------------------------
# Adresse
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "base", "ws"), [
    ("http://127.0.0.1:8501", "http://127.0.0.1:8501", "ws://127.0.0.1:8501/_stcore/stream"),
    ("http://localhost:8080/", "http://localhost:8080", "ws://localhost:8080/_stcore/stream"),
    ("http://127.0.0.2:9000/tdb/", "http://127.0.0.2:9000/tdb", "ws://127.0.0.2:9000/tdb/_stcore/stream"),
    ("https://[::1]:8443", "https://[::1]:8443", "wss://[::1]:8443/_stcore/stream"),
    ("HTTP://LOCALHOST:1", "http://localhost:1", "ws://localhost:1/_stcore/stream"),
])
def test_adresses_locales_acceptees(url, base, ws):
    cible = charge.verifier_url(url)
    assert cible.base == base
    assert cible.url_websocket == ws
    assert cible.url_sante == base + "/_stcore/health"


@pytest.mark.parametrize("url", [
    "http://example.com:8501", "http://10.0.0.1:8501", "http://192.168.1.10", "http://0.0.0.0:8501",
    "http://localhost.example.com", "http://127.0.0.1.nip.io", "ftp://127.0.0.1", "ws://127.0.0.1:8501",
    "127.0.0.1:8501", "http://127.0.0.1:8501/?annee=2023", "http://user:mdp@127.0.0.1", "http://:8501",
    "http://127.0.0.1:99999",
])
def test_adresses_refusees(url):
    with pytest.raises(charge.ErreurParametre) as exc:
        charge.verifier_url(url)
    assert "Adresse" in str(exc.value)


def test_message_de_refus_en_francais():
    with pytest.raises(charge.ErreurParametre, match="n'est pas la machine locale"):
        charge.verifier_url("http://exemple.fr")


# --------------------------------------------------------------------------------------------
# Centiles, pages, adresse après un choix
# --------------------------------------------------------------------------------------------


def test_centile_rang_le_plus_proche():
    valeurs = list(range(1, 101))
    assert charge.centile(valeurs, 50) == 50
    assert charge.centile(valeurs, 95) == 95
    assert charge.centile(valeurs, 100) == 100
    assert charge.centile(valeurs, 0) == 1
    assert charge.centile(reversed(valeurs), 95) == 95  # ordre quelconque
    assert charge.centile([0.3], 95) == 0.3
    assert charge.centile([1, 2, 3, 4], 50) == 2  # une valeur mesurée, pas une interpolation
    assert charge.centile([], 50) is None
    with pytest.raises(ValueError):
        charge.centile([1], 101)


def test_pages_par_defaut_les_huit_accueil_en_premier():
    pages = charge.lire_pages(None)
    assert pages == ["", "carte", "comparaison", "portrait", "budget", "accords", "orientations", "donnees"]


def test_pages_choisies():
    assert charge.lire_pages("/,carte") == ["", "carte"]
    assert charge.lire_pages(["budget", "vue_nationale,budget", "accueil"]) == ["budget", ""]
    assert charge.lire_pages(" /carte/ ") == ["carte"]
    with pytest.raises(charge.ErreurParametre):
        charge.lire_pages(",,")


def test_adresse_apres_un_choix():
    assert charge.query_apres_choix("", "annee", "2023", "2025") == "annee=2023"
    assert charge.query_apres_choix("annee=2023", "annee", "2025", "2025") == ""  # défaut : retiré
    assert charge.query_apres_choix("annee=2023", "region", "Île-de-France", "France entière") == (
        "annee=2023&region=%C3%8Ele-de-France")
    assert charge.query_apres_choix("annee=2023", "", "x", None) == "annee=2023"  # widget non lié
    assert charge.query_pour_changement_de_page("annee=2023&carte_mode=Alertes", ["annee", "region"]) == (
        "annee=2023")


def test_message_execution_comme_l_interface():
    brut = charge.message_execution("annee=2023", page_script_hash="abc", valeurs=[("$$ID-x-annee", "2023")])
    etat = BackMsg.FromString(brut).rerun_script
    assert etat.query_string == "annee=2023"
    assert etat.page_script_hash == "abc" and etat.page_name == ""
    assert [(w.id, w.WhichOneof("value"), w.string_value) for w in etat.widget_states.widgets] == [
        ("$$ID-x-annee", "string_value", "2023")]
    assert not etat.cached_message_hashes  # pas de cache annoncé : jamais de ref_hash en retour


# --------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------


def test_arguments_par_defaut():
    args = charge.analyser_arguments([])
    assert args.url is None and args.sessions == 10 and args.tours == 1
    assert args.pages == charge.lire_pages(None)
    assert args.interaction == "page" and args.pid == [] and args.demarrer is None
    assert 0 < args.limite <= charge.LIMITE_MAX_S


def test_arguments_choisis():
    args = charge.analyser_arguments([
        "--url", "http://127.0.0.1:8600", "-n", "50", "--tours", "2", "--pages", "budget,carte",
        "--pid", "12", "--pid", "13", "--delai-execution", "7,5", "--limite", "120", "--json", "x.json",
        "--interaction", "tour",
    ])
    assert (args.sessions, args.tours, args.pages, args.pid) == (50, 2, ["budget", "carte"], [12, 13])
    assert args.delai_execution == 7.5 and args.limite == 120 and args.interaction == "tour"
    assert charge.analyser_arguments(["--demarrer"]).demarrer.endswith("demo")


@pytest.mark.parametrize("argv", [
    ["--url", "http://example.com"], ["--demarrer", "--url", "http://127.0.0.1:1"], ["-n", "0"],
    ["--sessions", "100000"], ["--limite", "0"], ["--limite", "99999"], ["--delai-execution", "-1"],
    ["--interaction", "clic"], ["--pid", "abc"], ["--etalement", "400"],
])
def test_arguments_refuses(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        charge.analyser_arguments(argv)
    assert exc.value.code == 2
    assert "erreur" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Lecture des messages du serveur
# --------------------------------------------------------------------------------------------


def _debut(ident: str, page_hash: str = "p1") -> ForwardMsg:
    m = ForwardMsg()
    m.new_session.page_script_hash = page_hash
    m.metadata.run.script_run_id = ident
    return m


def _fin(ident: str, statut: int = ForwardMsg.FINISHED_SUCCESSFULLY) -> ForwardMsg:
    m = ForwardMsg()
    m.script_finished = statut
    m.metadata.run.script_run_id = ident
    return m


def _selectbox(libelle: str, options: list[str], defaut: int = 0, cle: str = "") -> ForwardMsg:
    m = ForwardMsg()
    s = m.delta.new_element.selectbox
    s.id, s.label, s.default, s.query_param_key = f"$$ID-{libelle}", libelle, defaut, cle
    s.options[:] = options
    return m


def test_suivi_attend_le_script_finished_de_sa_propre_execution():
    suivi = charge.SuiviExecution()
    assert not suivi.recevoir(_fin("ancienne"))  # reste de l'exécution précédente
    statut = ForwardMsg()
    statut.session_status_changed.script_is_running = True
    assert not suivi.recevoir(statut)
    assert not suivi.recevoir(_debut("r1"))
    assert not suivi.recevoir(_fin("r1", ForwardMsg.FINISHED_EARLY_FOR_RERUN))  # st.rerun() : ça continue
    assert not suivi.recevoir(_debut("r2", "p2"))
    assert not suivi.recevoir(_fin("r1"))  # pas la dernière exécution de la chaîne
    assert suivi.recevoir(_fin("r2"))
    assert suivi.fini and suivi.statut_fin == ForwardMsg.FINISHED_SUCCESSFULLY
    assert suivi.page_script_hash == "p2" and suivi.demarrages == 2


def test_suivi_releve_exceptions_pages_introuvables_navigation_filtres():
    suivi = charge.SuiviExecution()
    suivi.recevoir(_debut("r1"))
    exc = ForwardMsg()
    exc.delta.new_element.exception.type = "ValueError"
    exc.delta.new_element.exception.message = "boum"
    suivi.recevoir(exc)
    avert = ForwardMsg()
    avert.delta.new_element.exception.type = "DeprecationWarning"
    avert.delta.new_element.exception.is_warning = True
    suivi.recevoir(avert)
    introuvable = ForwardMsg()
    introuvable.page_not_found.page_name = "nulle_part"
    suivi.recevoir(introuvable)
    nav = ForwardMsg()
    for h, chemin, titre in (("h0", "", "Vue nationale"), ("h1", "carte", "Carte")):
        p = nav.navigation.app_pages.add()
        p.page_script_hash, p.url_pathname, p.page_name = h, chemin, titre
    suivi.recevoir(nav)
    suivi.recevoir(_selectbox("Année", ["2025", "2024"], 0, "annee"))
    suivi.recevoir(_selectbox("Autre", ["a", "b"]))  # pas un filtre de la barre latérale
    impose = _selectbox("Région", ["France entière", "Bretagne"], 0, "region")
    impose.delta.new_element.selectbox.set_value = True
    impose.delta.new_element.selectbox.raw_value = "Bretagne"
    suivi.recevoir(impose)
    ref = ForwardMsg()
    ref.ref_hash = "abc"
    suivi.recevoir(ref)
    assert suivi.recevoir(_fin(""))  # fin sans identifiant (erreur de traitement côté serveur) : acceptée

    assert suivi.exceptions == [("ValueError", "boum", False), ("DeprecationWarning", "", True)]
    assert suivi.pages_introuvables == ["nulle_part"]
    assert suivi.navigation == {"": ("h0", "Vue nationale"), "carte": ("h1", "Carte")}
    assert not suivi.navigation_par_sections  # pas de sections : ancien mode « dossier pages/ »
    assert set(suivi.filtres) == {"Année", "Région"}
    assert suivi.filtres["Année"].defaut == "2025" and suivi.filtres["Année"].cle_url == "annee"
    assert suivi.valeurs_imposees == {"Région": "Bretagne"}
    assert len(suivi.anomalies) == 1


# --------------------------------------------------------------------------------------------
# Verdict, rapport, JSON
# --------------------------------------------------------------------------------------------


def _resultat(**champs) -> charge.Resultat:
    r = charge.Resultat(url="http://127.0.0.1:1", sessions=1, tours=1, pages=["", "budget"], interaction="page",
                        delai_execution_s=10, limite_s=60, executions_prevues=4, duree_s=2.0,
                        sante_avant=charge.Sante(True, "ok"), sante=charge.Sante(True, "HTTP 200 « ok »", 0.002))
    r.executions = [charge.Execution(1, 1, p, n, "ok", d) for p, n, d in (
        ("", "ouverture", 0.5), ("", "interaction", 0.3), ("budget", "ouverture", 1.5),
        ("budget", "interaction", 0.2))]
    for k, v in champs.items():
        setattr(r, k, v)
    return r


def test_verdict_ok_et_chiffres():
    r = _resultat()
    assert r.ok and r.raisons_echec() == []
    stats = r.statistiques_par_page()
    assert stats["budget"]["executions"] == 2 and stats["budget"]["max_s"] == 1.5
    assert r.executions_par_seconde == 2.0
    texte = charge.rapport(r)
    assert "Verdict : OK" in texte and "/budget" in texte
    donnees = json.loads(json.dumps(r.en_dict()))
    assert donnees["ok"] is True and donnees["pages"]["budget"]["p95_s"] == 1.5


@pytest.mark.parametrize(("changement", "attendu"), [
    (lambda r: r.executions.append(charge.Execution(1, 1, "budget", "ouverture", "delai", 10.0, "figé")),
     "hors délai"),
    (lambda r: r.exceptions.append(charge.ExceptionAffichee(1, "budget", "ouverture", "KeyError", "x")),
     "exception affichée"),
    (lambda r: r.pages_introuvables.append("session 1, /x"), "page introuvable"),
    (lambda r: r.erreurs.append("session 1 : connexion impossible"), "erreur"),
    (lambda r: setattr(r, "sante", charge.Sante(False, "pas de réponse en 10 s")), "ne répond plus"),
    (lambda r: setattr(r, "executions_prevues", 6), "jamais lancées"),
    (lambda r: setattr(r, "limite_atteinte", True), "limite globale"),
])
def test_verdict_echec(changement, attendu):
    r = _resultat()
    changement(r)
    assert not r.ok
    assert any(attendu in raison for raison in r.raisons_echec())
    assert "Verdict : ÉCHEC" in charge.rapport(r)


def test_un_avertissement_affiche_ne_fait_pas_echouer():
    r = _resultat()
    r.exceptions.append(charge.ExceptionAffichee(1, "", "ouverture", "DeprecationWarning", "x", True))
    assert r.ok


def test_serveur_absent_echec_rapide():
    from tests.navigateur.harnais import port_libre

    debut = time.monotonic()
    r = charge.executer(f"http://127.0.0.1:{port_libre()}", sessions=2, delai_sante_s=2, limite_s=30)
    assert time.monotonic() - debut < 15
    assert not r.ok and r.sante_avant is not None and not r.sante_avant.ok
    assert "ne répondait pas" in " ".join(r.raisons_echec())


def test_aide_de_la_ligne_de_commande(capsys):
    with pytest.raises(SystemExit) as exc:
        charge.main(["--help"])
    assert exc.value.code == 0
    assert "--sessions" in capsys.readouterr().out


def test_chaud_exclut_le_premier_tour():
    """« chaud 95e » ne compte que les tours 2 et suivants : le premier tour paie les calculs jamais faits."""
    r = _resultat(tours=3)
    r.executions = [charge.Execution(1, tour, "budget", "ouverture", "ok", d)
                    for tour, d in ((1, 2.0), (2, 0.05), (3, 0.07))]
    stats = r.statistiques_par_page()["budget"]
    assert stats["max_s"] == 2.0 and stats["p95_chaud_s"] == charge.centile([0.05, 0.07], 95)
    assert stats["p95_chaud_s"] < 0.1
    assert r.statistiques_par_page()[""]["p95_chaud_s"] is None  # aucune exécution chaude pour l'accueil
    texte = charge.rapport(r)
    assert "chaud 95e" in texte and "tours 2 et suivants" in texte
