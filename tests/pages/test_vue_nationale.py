"""Vue nationale (pages/vue_nationale.py) et cadre commun (tableau_de_bord.py) avec AppTest.

L'application est ouverte comme en vrai, par le point d'entrée. Les chiffres affichés sont comparés à
un calcul indépendant fait ici en Polars sur les fichiers Parquet du jeu (jeu minimal de
tests/fabrique.py et jeu de démonstration généré une fois pour le module), pour plusieurs filtres.
S'y ajoutent : un dossier invalide (page d'erreur en français, pas d'exception), les paramètres d'URL
(aller-retour, valeurs refusées, changement de page) et la génération du jeu de démonstration au
premier lancement.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from donnees import referentiel
from interface import navigation
from interface.metriques import parametres_metrique
from presentation import format as fmt
from tests.fabrique import ecrire_jeu, jeu_minimal
from tests.outils_markdown import texte_affiche

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
DELAI = 600


# --------------------------------------------------------------------------------------------------
# Calcul indépendant (Polars, directement sur les fichiers)


def _lire(dossier: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(dossier / f"{table}.parquet")


def _mls(dossier: Path, code_region: str | None) -> pl.DataFrame:
    mls = _lire(dossier, "missions_locales").join(
        referentiel.departements().select("code_departement", "code_region"), on="code_departement", how="left")
    return mls if code_region is None else mls.filter(pl.col("code_region") == code_region)


def _div(a, b, facteur=100.0):
    return None if a is None or not b else facteur * a / b


def attendus(dossier: Path, annee: int, code_region: str | None) -> dict[str, float | None]:
    """Chiffres de la page pour une année et une région (None = France), calculés sans l'application."""
    env = _lire(dossier, "enveloppe").filter(pl.col("annee") == annee)
    mls = _mls(dossier, code_region)
    codes = mls["code_ml"]
    nb_ml = float(mls.height)

    alloc = _lire(dossier, "allocations").filter((pl.col("annee") == annee) & pl.col("code_ml").is_in(codes.to_list()))
    par_ml = alloc.group_by("code_ml").agg(pl.col("etp_affectes").sum())
    reference = date(annee, 12, 31)
    acc = _lire(dossier, "accords").filter(pl.col("code_ml").is_in(codes.to_list()))
    en_vigueur = acc.filter(
        (pl.col("statut") == "signe")
        & (pl.coalesce("date_debut", "date_signature") <= reference)
        & (pl.col("date_fin").is_null() | (pl.col("date_fin") >= reference))
    )["code_ml"].n_unique()

    ori = _lire(dossier, "orientations").filter(
        (pl.col("sens") == "ft_vers_ml") & (pl.col("mois").dt.year() == annee) & pl.col("code_ml").is_in(codes.to_list()))
    orientes, acceptes, entres = (float(ori[c].sum()) for c in ("orientes", "acceptes", "entres"))
    act = _lire(dossier, "activite").filter((pl.col("mois").dt.year() == annee) & pl.col("code_ml").is_in(codes.to_list()))
    accompagnes = float(act.group_by("code_ml").agg(pl.col("jeunes_accompagnes").mean())["jeunes_accompagnes"].sum())

    if code_region is None:
        objectif = float(env["objectif_jeunes_delegation"][0])
    else:
        objectif = float(alloc["objectif_entrees_delegation"].sum())
    r = {
        "enveloppe_totale": float(env["enveloppe_totale_eur"][0]),
        "valorisation_etp_nationale": float(env["valorisation_etp_eur"][0]),
        "forfait_etp": float(env["forfait_etp_eur"][0]),
        "etp_prevus": float(env["etp_nationaux"][0]),
        "valorisation_forfaitaire": float(env["etp_nationaux"][0] * env["forfait_etp_eur"][0]),
        "etp_affectes": float(alloc["etp_affectes"].sum()),
        "etp_compenses": float(alloc["etp_compenses"].sum()),
        "nb_ml": nb_ml,
        "part_ml_agent": _div(float(par_ml.filter(pl.col("etp_affectes") > 0).height), nb_ml),
        "part_ml_accord": _div(float(en_vigueur), nb_ml),
        "orientes_ft_ml": orientes,
        "entrees_delegation": entres,
        "objectif": objectif,
        "atteinte": _div(entres, objectif),
        "taux_acceptation": _div(acceptes, orientes),
        "taux_entree": _div(entres, acceptes),
        "jeunes_accompagnes": accompagnes,
        "enveloppe_ml": float((alloc["valorisation_etp_eur"] + alloc["subvention_compensatoire_eur"]
                               + alloc["credits_financiers_eur"]).sum()),
        "acceptes": acceptes,
    }
    r["ecart_valorisation"] = r["valorisation_forfaitaire"] - r["valorisation_etp_nationale"]
    return r


def pertes_agent(dossier: Path, annee: int, code_region: str | None) -> tuple[int, int]:
    """(ML ayant perdu leur agent entre annee-1 et annee, ML qui en avaient un en annee-1)."""
    codes = _mls(dossier, code_region)["code_ml"]
    alloc = _lire(dossier, "allocations").filter(pl.col("code_ml").is_in(codes.to_list()))
    avant = alloc.filter(pl.col("annee") == annee - 1).group_by("code_ml").agg(pl.col("etp_affectes").sum())
    avant = avant.filter(pl.col("etp_affectes") > 0)
    apres = alloc.filter(pl.col("annee") == annee).group_by("code_ml").agg(pl.col("etp_affectes").sum().alias("e"))
    j = avant.join(apres, on="code_ml", how="left").with_columns(pl.col("e").fill_null(0.0))
    return j.filter(pl.col("e") <= 0).height, avant.height


def atteinte_par_region(dossier: Path, annee: int) -> dict[str, float]:
    mls = _mls(dossier, None).select("code_ml", "code_region")
    ori = (_lire(dossier, "orientations")
           .filter((pl.col("sens") == "ft_vers_ml") & (pl.col("mois").dt.year() == annee))
           .join(mls, on="code_ml").group_by("code_region").agg(pl.col("entres").sum()))
    obj = (_lire(dossier, "allocations").filter(pl.col("annee") == annee)
           .join(mls, on="code_ml").group_by("code_region").agg(pl.col("objectif_entrees_delegation").sum()))
    j = ori.join(obj, on="code_region", how="full", coalesce=True).filter(pl.col("objectif_entrees_delegation") > 0)
    noms = dict(referentiel.regions().select("code_region", "nom_region").iter_rows())
    return {noms[r["code_region"]]: 100.0 * (r["entres"] or 0) / r["objectif_entrees_delegation"]
            for r in j.iter_rows(named=True)}


# --------------------------------------------------------------------------------------------------
# Outils AppTest


def ouvrir(monkeypatch, dossier: Path, params: dict | None = None) -> AppTest:
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    at = AppTest.from_file(ENTREE, default_timeout=DELAI)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metriques(at: AppTest) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta or None) for m in at.metric}


def textes(at: AppTest) -> str:
    """Textes Markdown de la page, tels qu'ils s'affichent (textes venus des données échappés)."""
    return texte_affiche("\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                                    + [w.value for w in at.warning] + [s.value for s in at.success]))


def verifier_chiffres(at: AppTest, dossier: Path, annee: int, code_region: str | None, annees: list[int]) -> None:
    a = attendus(dossier, annee, code_region)
    p = attendus(dossier, annee - 1, code_region) if (annee - 1) in annees else None
    prec = annee - 1 if p else None
    m = metriques(at)

    def verifier(libelle, cle, unite, sens, **kw):
        attendu = parametres_metrique(a[cle], unite, precedente=p[cle] if p else None, sens=sens,
                                      annee_precedente=prec, **kw)
        assert m[libelle][0] == attendu.valeur, (libelle, m[libelle], attendu)
        assert m[libelle][1] == attendu.delta, (libelle, m[libelle], attendu)

    etp = fmt.format_valeur(a["etp_prevus"], "ETP", avec_unite=False)
    verifier("Enveloppe nationale", "enveloppe_totale", "€", 0, precis=True)
    verifier(f"dont valorisation des {etp} ETP", "valorisation_etp_nationale", "€", 0, precis=True)
    verifier("Forfait par ETP", "forfait_etp", "€", 0, precis=True)
    verifier(f"{etp} ETP × forfait", "valorisation_forfaitaire", "€", 0, precis=True)
    verifier("ETP affectés", "etp_affectes", "ETP", 0)
    verifier("Missions Locales", "nb_ml", "ML", 0, avec_unite=False)
    verifier("ML avec un agent affecté", "part_ml_agent", "%", 1)
    verifier("ML avec un accord en vigueur", "part_ml_accord", "%", 1)
    verifier("Jeunes orientés par France Travail", "orientes_ft_ml", "jeunes", 1, avec_unite=False)
    verifier("Entrées en délégation", "entrees_delegation", "jeunes", 1, avec_unite=False)
    verifier("Atteinte de l'objectif", "atteinte", "%", 1)
    verifier("Taux d'acceptation", "taux_acceptation", "%", 1)
    verifier("Taux d'entrée", "taux_entree", "%", 1)
    verifier("Jeunes accompagnés chaque mois", "jeunes_accompagnes", "jeunes", 1, avec_unite=False)
    if code_region is not None:
        verifier("Part de l'enveloppe", "enveloppe_ml", "€", 0, precis=True)
    else:
        assert "Part de l'enveloppe" not in m

    t = textes(at)
    # l'écart entre ETP prévus × forfait et la valorisation annoncée, jamais arrondi à zéro
    if a["ecart_valorisation"]:
        echelle = "M" if a["valorisation_etp_nationale"] >= 1e6 else "unite"
        montant = fmt.euros(abs(a["ecart_valorisation"]), 3 if echelle == "M" else 0, echelle=echelle)
        assert f"**{montant} {'de plus' if a['ecart_valorisation'] > 0 else 'de moins'}**" in t
        assert fmt.euros(a["valorisation_forfaitaire"], echelle="unite") in t
    else:
        assert "égal à la valorisation annoncée" in t
    # objectif et entonnoir
    if code_region is None:
        assert f"objectif national : {fmt.format_valeur(a['objectif'], 'jeunes')}" in t
        assert f"sur {fmt.format_valeur(a['etp_prevus'], 'ETP')} prévus" in t
    else:
        assert f"objectif des ML de la région : {fmt.format_valeur(a['objectif'], 'jeunes')}" in t
    perdus = a["orientes_ft_ml"] - a["entrees_delegation"]
    assert (f"Sur {fmt.nombre(a['orientes_ft_ml'])} jeunes orientés, "
            f"{fmt.nombre(a['orientes_ft_ml'] - a['acceptes'])} n'ont pas été acceptés") in t
    assert f"{fmt.nombre(perdus)} jeunes perdus ({fmt.pourcentage(100 * perdus / a['orientes_ft_ml'])})" in t
    # ML qui ont perdu leur agent
    if prec:
        n, total = pertes_agent(dossier, annee, code_region)
        if n:
            assert f"{fmt.nombre(n)} ML sur {fmt.nombre(total)} " in t
    # en-tête
    entete = at.markdown[0].value
    assert entete.startswith(f"**Année {annee}** · ")


def pied(at: AppTest) -> str:
    lignes = [c.value for c in at.caption if c.value.startswith("**Données** : ")]
    assert len(lignes) == 1, "pied de page absent"
    return texte_affiche(lignes[0])  # tel qu'il s'affiche (le dossier est échappé)


def figure_regions(at: AppTest) -> dict:
    graphiques = at.get("plotly_chart")
    assert graphiques, "le graphique par région manque"
    return json.loads(graphiques[0].proto.spec)


# --------------------------------------------------------------------------------------------------
# Jeu minimal


@pytest.fixture
def minimal(tmp_path) -> Path:
    return ecrire_jeu(tmp_path / "minimal", jeu_minimal())


@pytest.mark.parametrize(
    ("params", "annee", "code_region"),
    [
        ({}, 2024, None),
        ({"annee": "2023"}, 2023, None),  # pas d'année précédente : pas d'écart
        ({"region": "Bourgogne-Franche-Comté"}, 2024, "27"),
        ({"annee": "2023", "region": "Guadeloupe"}, 2023, "01"),
    ],
)
def test_jeu_minimal(monkeypatch, minimal, params, annee, code_region):
    at = ouvrir(monkeypatch, minimal, params)
    assert [t.value for t in at.title] == ["Vue nationale"]
    verifier_chiffres(at, minimal, annee, code_region, [2023, 2024])
    if annee == 2023:
        assert all(delta is None for _, delta in metriques(at).values())
        assert "2022 n'est pas dans les données" in textes(at)
    # pied de page : jeu, période, contrat
    texte = pied(at)
    assert f"Exports du dossier « {minimal.name} »" in texte and str(minimal) not in texte  # le nom, pas le chemin
    assert "janvier 2023 – décembre 2024" in texte and "version 1" in texte


def test_jeu_minimal_points_d_attention(monkeypatch, minimal):
    at = ouvrir(monkeypatch, minimal)
    t = textes(at)
    # MLB n'a plus d'accord en vigueur fin 2024 (AC2 échu le 30/06/2023, AC3 en négociation)
    assert "1 ML sur 2 sans accord en vigueur au 31 décembre 2024 : 1 avec un accord échu ou dénoncé non " \
           "renouvelé, 1 en négociation." in t
    # objectifs : MLA 252/300 = 84 %, MLB 72/100 = 72 %
    assert f"2 régions sur 2 sous l'objectif ; la plus en retrait : Guadeloupe ({fmt.pourcentage(72)} de " \
           "l'objectif)." in t
    assert "La ML qui avait un agent affecté en 2023 l'a gardé en 2024." in t
    assert all("Règle : " in c.value for c in at.caption if c.value.startswith("Règle"))
    assert sum(c.value.startswith("Règle : ") for c in at.caption) == 4


def test_jeu_minimal_graphique_par_region(monkeypatch, minimal):
    at = ouvrir(monkeypatch, minimal, {"region": "Guadeloupe"})
    fig = figure_regions(at)
    barres = fig["data"][0]
    attendu = atteinte_par_region(minimal, 2024)
    assert dict(zip(barres["y"], barres["x"])) == pytest.approx(attendu)
    # la région choisie est mise en avant
    couleurs = dict(zip(barres["y"], barres["marker"]["color"]))
    assert couleurs["Guadeloupe"] == "#000091" and couleurs["Bourgogne-Franche-Comté"] != "#000091"
    assert fig["layout"]["template"]["layout"]["separators"] == ", "


def test_indicateur_du_graphique_dans_l_url(monkeypatch, minimal):
    at = ouvrir(monkeypatch, minimal, {"vn_indicateur": "ML avec accord"})
    barres = figure_regions(at)["data"][0]
    # Belfort : 1 ML avec accord sur 1 ; Guadeloupe : 0 sur 1
    assert dict(zip(barres["y"], barres["x"])) == {"Bourgogne-Franche-Comté": 100.0, "Guadeloupe": 0.0}
    assert at.query_params["vn_indicateur"] == "ML avec accord"
    at = ouvrir(monkeypatch, minimal, {"vn_indicateur": "inconnu"})
    assert "vn_indicateur" not in at.query_params


# --------------------------------------------------------------------------------------------------
# Paramètres d'URL


def test_parametres_url_aller_retour(monkeypatch, minimal):
    at = ouvrir(monkeypatch, minimal, {"annee": "2023", "region": "Guadeloupe"})
    assert at.selectbox(key="annee").value == 2023
    assert at.selectbox(key="region").value == "01"
    assert at.markdown[0].value == "**Année 2023** · **Guadeloupe**"
    assert at.query_params == {"annee": "2023", "region": "Guadeloupe"}
    # un choix de l'utilisateur est gardé à l'exécution suivante
    at.selectbox(key="annee").select(2024).run()
    assert not at.exception
    assert at.markdown[0].value == "**Année 2024** · **Guadeloupe**"


@pytest.mark.parametrize("params", [{"annee": "1999", "region": "Narnia"}, {"annee": "deux", "region": "01"},
                                    {"annee": "", "region": "<b>x</b>"}])
def test_parametres_url_refuses(monkeypatch, minimal, params):
    at = ouvrir(monkeypatch, minimal, params)
    assert at.markdown[0].value == "**Année 2024** · **France entière**"
    assert at.selectbox(key="annee").value == 2024
    assert at.selectbox(key="region").value == "FR"
    assert "annee" not in at.query_params and "region" not in at.query_params


def test_parametres_gardes_au_changement_de_page(monkeypatch, minimal):
    autres = [p for p in navigation.PAGES if not p.defaut]
    assert autres, "il faut une deuxième page dans PAGES pour changer de page"
    at = ouvrir(monkeypatch, minimal, {"annee": "2023", "region": "Guadeloupe"})
    at.switch_page(autres[0].fichier).run()
    assert at.query_params["annee"] == "2023" and at.query_params["region"] == "Guadeloupe"
    assert at.selectbox(key="annee").value == 2023 and at.selectbox(key="region").value == "01"
    at.switch_page("pages/vue_nationale.py").run()
    assert not at.exception
    assert at.markdown[0].value == "**Année 2023** · **Guadeloupe**"


# --------------------------------------------------------------------------------------------------
# Dossier invalide


def _sans_colonne(dossier: Path) -> Path:
    tables = jeu_minimal()
    tables["orientations"] = tables["orientations"].drop("acceptes")
    return ecrire_jeu(dossier, tables)


def _acceptes_trop_grands(dossier: Path) -> Path:
    tables = jeu_minimal()
    tables["orientations"] = tables["orientations"].with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(pl.col("orientes") + 5).otherwise(pl.col("acceptes")).alias("acceptes"))
    return ecrire_jeu(dossier, tables)


@pytest.mark.parametrize("fabrique", [_sans_colonne, _acceptes_trop_grands, lambda d: d / "absent"],
                         ids=["colonne_absente", "acceptes_superieurs", "dossier_absent"])
def test_dossier_invalide(monkeypatch, tmp_path, fabrique):
    dossier = fabrique(tmp_path / "invalide")
    at = ouvrir(monkeypatch, dossier, {"annee": "2024"})
    assert [t.value for t in at.title] == ["Le jeu de données ne peut pas être chargé"]
    assert at.error and "ne respecte pas le contrat d'export (version 1)" in at.error[0].value
    liste = texte_affiche(at.markdown[0].value)  # messages du validateur échappés, lus tels qu'affichés
    if fabrique not in (_sans_colonne, _acceptes_trop_grands):
        assert "n'existe pas" in liste
    else:
        if fabrique is _acceptes_trop_grands:
            assert "(lignes 1, 2 et 3)" in liste
        # le message du validateur, tel quel : fichier, colonne, lignes et attendu
        assert "orientations.parquet, colonne « acceptes »" in liste and "Attendu" in liste
    assert not at.metric and not at.selectbox  # ni chiffres, ni filtres
    assert "non respecté" in pied(at)


# --------------------------------------------------------------------------------------------------
# Jeu de démonstration


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from donnees.demo import generer

    return generer(tmp_path_factory.mktemp("demo_vue_nationale"))


def test_demo(monkeypatch, demo):
    annees = sorted(_lire(demo, "enveloppe")["annee"].to_list())
    derniere, premiere = annees[-1], annees[0]
    noms = dict(referentiel.regions().select("code_region", "nom_region").iter_rows())
    cas = [({}, derniere, None), ({"region": noms["53"]}, derniere, "53"),
           ({"annee": str(premiere)}, premiere, None),
           ({"annee": str(annees[len(annees) // 2]), "region": noms["11"]}, annees[len(annees) // 2], "11")]
    for params, annee, code_region in cas:
        at = ouvrir(monkeypatch, demo, params)
        verifier_chiffres(at, demo, annee, code_region, annees)
        if code_region is None:
            fig = figure_regions(at)
            assert dict(zip(fig["data"][0]["y"], fig["data"][0]["x"])) == pytest.approx(atteinte_par_region(demo, annee))
    # l'écart de 0,125 M€ de la notice est montré tel quel
    assert "**0,125\u00a0M€ de plus**" in textes(at)


# --------------------------------------------------------------------------------------------------
# Premier lancement : génération du jeu de démonstration


def test_generation_du_jeu_de_demonstration(monkeypatch, tmp_path):
    import donnees.demo
    import requetes.jeu

    appels = []

    def generer_factice(dossier, graine=2015, echelle=1, progression=None):
        appels.append(Path(dossier))
        progression(0.5, "Moitié du chemin…")
        ecrire_jeu(dossier, jeu_minimal())
        progression(1.0, "Terminé.")
        return Path(dossier)

    cible = tmp_path / "donnees_locales" / "demo"
    monkeypatch.delenv("TDB_DONNEES", raising=False)
    monkeypatch.setattr(requetes.jeu, "DOSSIER_DEMO", cible)
    monkeypatch.setattr(donnees.demo, "generer", generer_factice)
    at = AppTest.from_file(ENTREE, default_timeout=DELAI)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(appels) == 1 and appels[0].parent == cible.parent and appels[0] != cible  # dossier temporaire
    assert sorted(p.name for p in cible.iterdir()) == sorted(f"{t}.parquet" for t in jeu_minimal())
    assert not [p for p in cible.parent.iterdir() if p.name.startswith(".demo-")]
    assert "Jeu de démonstration" in pied(at)
    assert [t.value for t in at.title] == ["Vue nationale"]
    at.run()  # déjà généré : pas de seconde génération
    assert len(appels) == 1


def test_echec_de_la_generation(monkeypatch, tmp_path):
    import donnees.demo
    import requetes.jeu

    def generer_en_echec(dossier, graine=2015, echelle=1, progression=None):
        raise OSError("disque plein")

    cible = tmp_path / "donnees_locales" / "demo"
    monkeypatch.delenv("TDB_DONNEES", raising=False)
    monkeypatch.setattr(requetes.jeu, "DOSSIER_DEMO", cible)
    monkeypatch.setattr(donnees.demo, "generer", generer_en_echec)
    at = AppTest.from_file(ENTREE, default_timeout=DELAI).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Le jeu de données ne peut pas être chargé"]
    assert "La création du jeu de démonstration" in at.markdown[0].value
    assert "disque plein" in at.markdown[0].value
    assert not cible.exists()
