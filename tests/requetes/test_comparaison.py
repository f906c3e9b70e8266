"""requetes/comparaison.py contre des calculs indépendants en Polars (et en Python pur pour les distances).

Valeurs des indicateurs : recalculées directement dans les fichiers Parquet par
tests/requetes/reference_polars.py (sans requetes/mesures.py ni SQL) ; rangs, centiles, écarts,
appréciations, quartiles, séries, nuage et territoires comparables : recalculés ici, autrement
(comparaisons deux à deux, statistics, boucles Python), sur plusieurs mailles et périodes, pour le jeu
varié fait à la main et pour le jeu de démonstration national."""

from __future__ import annotations

import math
import statistics

import polars as pl
import pytest

from donnees import referentiel
from requetes import comparaison as C
from requetes.indicateurs import REGISTRE, ErreurRequete
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_partage, ecrire_jeu, jeu_minimal
from tests.requetes.jeux_indicateurs import jeu_varie
from tests.requetes.reference_polars import Reference, comparer

TOL = 1e-9


@pytest.fixture(scope="module")
def varie(tmp_path_factory):
    d = ecrire_jeu(tmp_path_factory.mktemp("cmp_varie"), jeu_varie())
    return JeuDeDonnees(d), Reference(d, referentiel.fichiers_tabulaires())


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    d = ecrire_jeu(tmp_path_factory.mktemp("cmp_minimal"), jeu_minimal())
    return JeuDeDonnees(d), Reference(d, referentiel.fichiers_tabulaires())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = dossier_demo_partage(tmp_path_factory)
    return JeuDeDonnees(d), Reference(d, referentiel.fichiers_tabulaires())


# --------------------------------------------------------------------------------------------------
# Calculs de référence


def proche(a, b, tol=1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def appreciation_attendue(v, nat, code):
    ind = REGISTRE[code]
    if v is None or nat is None:
        return None
    if not ind.est_ratio:
        return C.SANS_OBJET
    if ind.sens == 0:
        return C.NEUTRE
    d = v - nat
    decimales = {"%": 1, "‰": 1, "ratio": 2, "€/jeune": 0}.get(ind.unite, 1)
    if abs(d) < 0.5 * 10 ** -decimales:
        return C.EGAL
    return C.MIEUX if d * ind.sens > 0 else C.MOINS_BIEN


def rangs_attendus(obtenu: pl.DataFrame) -> pl.DataFrame:
    """Rang et centile par comparaisons deux à deux (produit cartésien par indicateur), sur les valeurs
    rendues (elles-mêmes vérifiées contre la référence à part)."""
    x = obtenu.filter(pl.col("valeur").is_not_null()).select(
        "code", "indicateur",
        (pl.col("valeur") * pl.col("indicateur").replace_strict(
            {c: (-1.0 if i.sens == -1 else 1.0) for c, i in REGISTRE.items()}, return_dtype=pl.Float64)).alias("s"))
    paires = x.join(x, on="indicateur", suffix="_b")
    agr = paires.group_by("code", "indicateur").agg(
        (pl.col("s_b") > pl.col("s")).sum().alias("devant"),
        (pl.col("s_b") < pl.col("s")).sum().alias("derriere"),
        ((pl.col("s_b") == pl.col("s")) & (pl.col("code_b") != pl.col("code"))).sum().alias("egaux"),
        pl.len().alias("nb"),
    )
    return agr.select(
        "code", "indicateur",
        (pl.col("devant") + 1).cast(pl.Int64).alias("rang_ref"),
        pl.col("nb").cast(pl.Int64).alias("nb_ref"),
        pl.when(pl.col("nb") > 1).then(100.0 * (pl.col("derriere") + 0.5 * pl.col("egaux")) / (pl.col("nb") - 1))
        .alias("centile_ref"),
    )


def verifier_positions(jeu, ref, maille, debut, fin, contexte):
    obtenu = C.positions(jeu, maille, debut, annee_fin=fin)
    # 1. valeurs du registre = calcul indépendant
    attendu = ref.indicateurs(maille, debut, fin, REGISTRE)
    comparer(obtenu.select("code", "nom", "code_region", "indicateur", "numerateur", "denominateur", "valeur"),
             attendu, ["code", "indicateur"], contexte)
    # 2. références nationale et régionale, écarts, part du national, appréciation
    nat = dict(ref.indicateurs("nationale", debut, fin, REGISTRE).select("indicateur", "valeur").iter_rows())
    reg = {(r["code"], r["indicateur"]): r["valeur"]
           for r in ref.indicateurs("region", debut, fin, REGISTRE).iter_rows(named=True)}
    for r in obtenu.iter_rows(named=True):
        ind = REGISTRE[r["indicateur"]]
        n = nat[r["indicateur"]]
        g = reg.get((r["code"] if maille == "region" else r["code_region"], r["indicateur"]))
        assert proche(r["valeur_nationale"], n), (contexte, r)
        assert proche(r["valeur_region"], g), (contexte, r)
        if ind.est_ratio:
            assert proche(r["ecart_national"], None if r["valeur"] is None or n is None else r["valeur"] - n), r
            assert proche(r["ecart_region"], None if r["valeur"] is None or g is None else r["valeur"] - g), r
            assert r["part_nationale"] is None
        else:
            assert r["ecart_national"] is None and r["ecart_region"] is None
            attendue = None if r["valeur"] is None or not n else 100.0 * r["valeur"] / n
            assert proche(r["part_nationale"], attendue), r
        assert r["appreciation"] == appreciation_attendue(r["valeur"], n, r["indicateur"]), (contexte, r)
        assert (r["libelle"], r["unite"], r["sens"], r["theme"]) == (ind.libelle, ind.unite, ind.sens, ind.theme)
    # 3. rangs et centiles
    j = obtenu.join(rangs_attendus(obtenu), on=["code", "indicateur"], how="left")
    faux = j.filter(
        (pl.col("rang").ne_missing(pl.col("rang_ref"))) | (pl.col("nb").fill_null(0) != pl.col("nb_ref").fill_null(0))
        & pl.col("valeur").is_not_null()
        | ((pl.col("centile") - pl.col("centile_ref")).abs() > 1e-9)
        | (pl.col("centile").is_null() != pl.col("centile_ref").is_null())
    )
    assert faux.is_empty(), f"{contexte} rangs : {faux.select('code', 'indicateur', 'valeur', 'rang', 'rang_ref', 'nb', 'nb_ref', 'centile', 'centile_ref').head(10)}"
    return obtenu


@pytest.mark.parametrize("maille", C.MAILLES_COMPARAISON)
@pytest.mark.parametrize("periode", [(2024, 2024), (2023, 2023), (2023, 2024)])
def test_positions_jeu_varie(varie, maille, periode):
    jeu, ref = varie
    verifier_positions(jeu, ref, maille, *periode, f"varié {maille} {periode}")


@pytest.mark.parametrize("maille", C.MAILLES_COMPARAISON)
def test_positions_jeu_demo(demo, maille):
    jeu, ref = demo
    derniere = ref.annees[-1]
    for periode in ((derniere, derniere), (derniere - 3, derniere), (ref.annees[0], ref.annees[0])):
        obtenu = verifier_positions(jeu, ref, maille, *periode, f"démo {maille} {periode}")
        # à l'échelle nationale, il y a bien des territoires à classer et des appréciations des deux sortes
        assert obtenu.filter(pl.col("indicateur") == "taux_acceptation")["nb"].max() > 10
        assert {C.MIEUX, C.MOINS_BIEN} <= set(obtenu["appreciation"].drop_nulls())


def test_rangs_selon_le_sens(demo):
    """1 = meilleur : la valeur la plus basse pour le taux de NEET (plus bas = mieux), la plus haute pour le taux
    d'acceptation ; le centile du premier seul vaut 100, celui du dernier seul 0."""
    jeu, _ = demo
    p = C.positions(jeu, "departement", 2024, ["taux_neet", "taux_acceptation"]).drop_nulls("valeur")
    neet = p.filter(pl.col("indicateur") == "taux_neet")
    premier = neet.filter(pl.col("rang") == 1)
    assert premier["valeur"].to_list() == [neet["valeur"].min()]
    assert premier["centile"].to_list() == [100.0]
    assert neet.filter(pl.col("valeur") == neet["valeur"].max())["centile"].to_list() == [0.0]
    acc = p.filter(pl.col("indicateur") == "taux_acceptation")
    assert acc.filter(pl.col("rang") == 1)["valeur"].to_list() == [acc["valeur"].max()]
    # appréciation : NEET sous la valeur nationale = mieux ; acceptation au-dessus = mieux
    for r in neet.iter_rows(named=True):
        if r["valeur"] < r["valeur_nationale"] - 0.05:
            assert r["appreciation"] == C.MIEUX
        elif r["valeur"] > r["valeur_nationale"] + 0.05:
            assert r["appreciation"] == C.MOINS_BIEN
    for r in acc.iter_rows(named=True):
        if r["valeur"] > r["valeur_nationale"] + 0.05:
            assert r["appreciation"] == C.MIEUX


def test_ex_aequo_et_selection(varie):
    """Ex æquo : même rang (le plus petit), centile à mi-chemin ; ``codes`` ne change ni les rangs ni les
    centiles, et garde l'ordre demandé."""
    jeu, _ = varie
    tout = C.positions(jeu, "ml", 2024)
    nb_ml = tout.filter(pl.col("indicateur") == "nb_ml")  # 1 ML partout : tous ex æquo
    assert set(nb_ml["rang"]) == {1} and set(nb_ml["centile"]) == {50.0}
    choix = C.positions(jeu, "ml", 2024, ["taux_acceptation", "nb_ml"], codes=["MLC", "MLA"])
    assert choix["code"].to_list() == ["MLC", "MLA", "MLC", "MLA"]
    assert choix["indicateur"].to_list() == ["taux_acceptation"] * 2 + ["nb_ml"] * 2
    comparer_lignes = tout.join(choix.select("code", "indicateur"), on=["code", "indicateur"])
    assert comparer_lignes.sort("code", "indicateur").select("rang", "centile").equals(
        choix.sort("code", "indicateur").select("rang", "centile"))


def test_references(varie):
    jeu, ref = varie
    r = C.references(jeu, 2023, ["taux_neet", "orientes_ft_ml"], 2024)
    nat = dict(ref.indicateurs("nationale", 2023, 2024, REGISTRE).select("indicateur", "valeur").iter_rows())
    assert r["indicateur"].to_list() == ["taux_neet", "orientes_ft_ml"]
    assert all(proche(v, nat[c]) for c, v in r.select("indicateur", "valeur").iter_rows())


# --------------------------------------------------------------------------------------------------
# Distributions, séries, nuage


def test_resume_distribution(demo):
    jeu, ref = demo
    codes = ["taux_neet", "taux_transformation", "atteinte_objectif", "orientes_ft_ml"]
    resume = C.resume_distribution(jeu, "ml", 2024, codes)
    attendu = ref.indicateurs("ml", 2024, 2024, REGISTRE)
    assert resume["indicateur"].to_list() == codes
    for r in resume.iter_rows(named=True):
        v = sorted(x for x in attendu.filter(pl.col("indicateur") == r["indicateur"])["valeur"].to_list() if x is not None)
        q1, med, q3 = statistics.quantiles(v, n=4, method="inclusive")  # interpolation linéaire
        assert r["nb"] == len(v)
        for cle, x in (("minimum", v[0]), ("q1", q1), ("mediane", med), ("q3", q3), ("maximum", v[-1]),
                       ("moyenne", statistics.fmean(v))):
            assert proche(r[cle], x, 1e-9), (r["indicateur"], cle, r[cle], x)


def test_series_annuelles(varie):
    jeu, ref = varie
    s = C.series(jeu, "departement", ["90", "25"], "taux_acceptation", "annee")
    assert s["code"].unique(maintain_order=True).to_list() == ["90", "25", "FR"]
    for r in s.iter_rows(named=True):
        maille = "nationale" if r["code"] == "FR" else "departement"
        a = r["periode"].year
        attendu = ref.indicateurs(maille, a, a, {"taux_acceptation": REGISTRE["taux_acceptation"]}).filter(
            pl.col("code") == r["code"])["valeur"][0]
        assert r["periode"].month == 1 and r["periode"].day == 1
        assert proche(r["valeur"], attendu), r
    assert set(s.filter(pl.col("code") == "FR")["periode"].dt.year()) == set(ref.annees)


def test_series_mensuelles(demo):
    """Entrées en délégation et taux d'acceptation mois par mois, recalculés dans orientations.parquet."""
    jeu, ref = demo
    mls = ref.ml.select("code_ml", "code_departement")
    o = ref.orientations.filter(pl.col("sens") == "ft_vers_ml").join(mls, on="code_ml")
    for code_ind, valeur in (("entrees_delegation", pl.col("entres").sum().cast(pl.Float64)),
                             ("taux_acceptation", 100.0 * pl.col("acceptes").sum() / pl.col("orientes").sum())):
        s = C.series(jeu, "departement", ["01", "2A"], code_ind, "mois")
        dep = o.group_by("code_departement", "mois").agg(valeur.alias("v")).rename({"code_departement": "code"})
        fr = o.group_by("mois").agg(valeur.alias("v")).with_columns(pl.lit("FR").alias("code"))
        attendu = pl.concat([dep.filter(pl.col("code").is_in(["01", "2A"])), fr.select("code", "mois", "v")])
        j = s.join(attendu.rename({"mois": "periode"}).with_columns(pl.col("periode").cast(pl.Date)),
                   on=["code", "periode"], how="full", coalesce=True)
        assert j.height == s.height, code_ind
        ecarts = j.filter(~pl.Series([proche(a, b) for a, b in zip(j["valeur"].to_list(), j["v"].to_list())]))
        assert ecarts.is_empty(), (code_ind, ecarts.head())
    with pytest.raises(ErreurRequete, match="mois par mois"):
        C.series(jeu, "departement", ["01"], "taux_neet", "mois")


def test_nuage(varie):
    jeu, ref = varie
    n = C.nuage(jeu, "ml", 2023, "taux_neet", "entrees_pour_1000_de", 2024)
    a = ref.indicateurs("ml", 2023, 2024, REGISTRE)
    x = dict(a.filter(pl.col("indicateur") == "taux_neet").select("code", "valeur").iter_rows())
    y = dict(a.filter(pl.col("indicateur") == "entrees_pour_1000_de").select("code", "valeur").iter_rows())
    assert sorted(n["code"]) == sorted(x)
    for r in n.iter_rows(named=True):
        assert proche(r["x"], x[r["code"]]) and proche(r["y"], y[r["code"]])


# --------------------------------------------------------------------------------------------------
# Contexte et territoires comparables


def contexte_attendu(ref: Reference, maille: str, debut: int, fin: int) -> dict[str, dict]:
    """Variables de contexte de chaque territoire : registre recalculé + densité lue dans le référentiel."""
    inds = ref.indicateurs(maille, debut, fin, {c: REGISTRE[c] for c in ("population_16_25", "taux_neet",
                                                                         "de_moins_26_pour_1000")})
    communes = ref.ref_communes
    if maille == "ml":
        rattache = ref.territoires_ml.join(communes, on="code_commune").rename({"code_ml": "code"})
    else:
        rattache = communes.rename({{"region": "code_region", "departement": "code_departement"}[maille]: "code"})
    # population inconnue de toutes les communes (Mayotte dans le référentiel) : densité inconnue
    dens = rattache.group_by("code").agg(
        pl.when(pl.col("population").count() > 0).then(pl.col("population").sum()),
        pl.when(pl.col("superficie_km2").count() > 0).then(pl.col("superficie_km2").sum()))
    d = {c: (p, s) for c, p, s in dens.iter_rows()}
    res: dict[str, dict] = {}
    for r in inds.iter_rows(named=True):
        e = res.setdefault(r["code"], {"code_region": r["code_region"]})
        e[r["indicateur"]] = r["valeur"]
    for c, e in res.items():
        p, s = d.get(c, (None, None))
        e["densite"] = p / s if p is not None and s else None
    return res


def voisins_attendus(ctx: dict[str, dict], code: str, nombre: int, code_region=None) -> list[tuple[str, float]]:
    variables = [("population_16_25", True), ("taux_neet", False), ("de_moins_26_pour_1000", False),
                 ("densite", True)]
    t = {}
    for c, e in ctx.items():
        vals = []
        for v, log in variables:
            x = e.get(v)
            if x is None or (log and x <= 0):
                break
            vals.append(math.log(x) if log else x)
        else:
            t[c] = vals
    z = {c: [] for c in t}
    for k in range(len(variables)):
        col = [t[c][k] for c in t]
        m = statistics.fmean(col)
        sd = statistics.pstdev(col)
        for c in t:
            z[c].append((t[c][k] - m) / sd if sd > 0 else 0.0)
    dist = [(c, math.sqrt(sum((a - b) ** 2 for a, b in zip(z[c], z[code]))))
            for c in t if c != code and (code_region is None or ctx[c]["code_region"] == code_region)]
    return sorted(dist, key=lambda cd: (cd[1], cd[0]))[:nombre]


@pytest.mark.parametrize("maille,code", [("ml", "ML00101"), ("ml", "ML97101"), ("departement", "75"),
                                         ("departement", "23"), ("region", "53")])
def test_comparables_contre_calcul_python(demo, maille, code):
    jeu, ref = demo
    terr = C.territoires(jeu, maille)
    if code not in terr["code"].to_list():  # codes du jeu de démonstration : premier de la maille sinon
        code = terr["code"][0]
    ctx = contexte_attendu(ref, maille, 2024, 2024)
    obtenu = C.comparables(jeu, maille, code, 2024, nombre=8)
    attendu = voisins_attendus(ctx, code, 8)
    assert obtenu["code"][0] == code and obtenu["distance"][0] == 0.0 and obtenu["proximite"][0] == 0
    assert obtenu["code"].to_list()[1:] == [c for c, _ in attendu]
    assert all(proche(a, b, 1e-9) for a, (_, b) in zip(obtenu["distance"].to_list()[1:], attendu))
    assert obtenu["proximite"].to_list() == list(range(obtenu.height))
    # variables brutes rendues = contexte de référence
    for r in obtenu.iter_rows(named=True):
        for v in ("population_16_25", "taux_neet", "de_moins_26_pour_1000", "densite"):
            assert proche(r[v], ctx[r["code"]][v]), (r["code"], v)
    # dans la même région seulement
    region = ctx[code]["code_region"]
    dans = C.comparables(jeu, maille, code, 2024, nombre=5, code_region=region)
    assert set(dans["code_region"]) == {region}
    assert dans["code"].to_list()[1:] == [c for c, _ in voisins_attendus(ctx, code, 5, region)]


def test_comparables_periode_et_erreurs(varie, demo):
    jeu, ref = demo
    ctx = contexte_attendu(ref, "departement", 2021, 2024)
    obtenu = C.comparables(jeu, "departement", "01", 2021, 2024, nombre=3)
    assert obtenu["code"].to_list()[1:] == [c for c, _ in voisins_attendus(ctx, "01", 3)]
    with pytest.raises(ErreurRequete, match="inconnu"):
        C.comparables(jeu, "departement", "ZZ", 2024)
    with pytest.raises(ErreurRequete):
        C.comparables(jeu, "departement", "01", 2024, nombre=0)
    with pytest.raises(ErreurRequete, match="Maille"):
        C.comparables(jeu, "commune", "01", 2024)
    # jeu varié : MLD n'a aucun contexte → ni classée, ni proposée
    jv, _ = varie
    assert C.comparables(jv, "ml", "MLD", 2024).is_empty()
    assert "MLD" not in C.comparables(jv, "ml", "MLA", 2024)["code"].to_list()


def test_densite_sql_contre_referentiel(demo):
    jeu, ref = demo
    for maille in ("region", "departement", "ml"):
        obtenu = C.contexte(jeu, maille, 2024)
        ctx = contexte_attendu(ref, maille, 2024, 2024)
        assert sorted(obtenu["code"]) == sorted(ctx)
        for r in obtenu.iter_rows(named=True):
            assert proche(r["densite"], ctx[r["code"]]["densite"]), (maille, r["code"])
            if r["population"] is not None:
                assert r["densite"] == pytest.approx(r["population"] / r["superficie_km2"])


# --------------------------------------------------------------------------------------------------
# Portrait et alertes


def test_portrait(demo):
    jeu, ref = demo
    annees = ref.annees
    fin = annees[-1]
    p = C.portrait(jeu, "departement", "01", fin - 1, fin)
    assert p["indicateur"].to_list() == list(REGISTRE)
    avant = ref.indicateurs("departement", fin - 3, fin - 2, REGISTRE).filter(pl.col("code") == "01")
    prec = dict(avant.select("indicateur", "valeur").iter_rows())
    for r in p.iter_rows(named=True):
        assert proche(r["precedente"], prec[r["indicateur"]]), r["indicateur"]
        attendue = None if r["valeur"] is None or r["precedente"] is None else r["valeur"] - r["precedente"]
        assert proche(r["evolution"], attendue)
        ind = REGISTRE[r["indicateur"]]
        if attendue is not None:
            dec = {"%": 1, "‰": 1, "ratio": 2, "€/jeune": 0}.get(ind.unite, 1)
            sens = (C.NEUTRE if ind.sens == 0 else C.EGAL if abs(attendue) < 0.5 * 10 ** -dec
                    else C.MIEUX if attendue * ind.sens > 0 else C.MOINS_BIEN)
            assert r["appreciation_evolution"] == sens
        assert len(r["serie"]) == len(annees)
    # série : valeurs annuelles du département et de la France
    taux = p.filter(pl.col("indicateur") == "taux_acceptation").row(0, named=True)
    for a, v, vn in zip(annees, taux["serie"], taux["serie_nationale"]):
        un = {"taux_acceptation": REGISTRE["taux_acceptation"]}
        assert proche(v, ref.indicateurs("departement", a, a, un).filter(pl.col("code") == "01")["valeur"][0])
        assert proche(vn, ref.indicateurs("nationale", a, a, un)["valeur"][0])
    # première année : pas de période précédente
    p0 = C.portrait(jeu, "departement", "01", annees[0])
    assert p0["precedente"].null_count() == p0.height and p0["appreciation_evolution"].null_count() == p0.height
    assert C.periode_precedente(jeu, annees[0]) is None
    assert C.periode_precedente(jeu, fin - 1, fin) == (fin - 3, fin - 2)
    with pytest.raises(ErreurRequete, match="inconnu"):
        C.portrait(jeu, "departement", "ZZ", fin)


def test_alertes_du_territoire(minimal):
    """Constats de requetes/alertes.py qui comptent dans le territoire, filtrés ici à la main."""
    from requetes import alertes

    jeu, _ = minimal
    tous = alertes.constats(jeu, 2024)
    assert tous.height > 0
    for maille, code, filtre in (
        ("ml", "MLA", pl.col("codes_ml").list.contains("MLA")),
        ("departement", "971", pl.col("code_departement") == "971"),
        ("region", "27", pl.col("code_region") == "27"),
    ):
        obtenu = C.alertes_du_territoire(jeu, maille, code, 2024)
        attendu = tous.filter(filtre)
        assert obtenu.equals(attendu.sort("numero", "code_objet")), (maille, code)
        s = C.synthese_alertes(jeu, maille, code, 2024)
        # nombres et codes : la règle en français est écrite par presentation.alertes
        assert s.columns == ["alerte", "numero", "libelle", "nb", "jeunes"]
        assert s["alerte"].to_list() == list(alertes.ALERTES)
        for r in s.iter_rows(named=True):
            assert r["nb"] == attendu.filter(pl.col("alerte") == r["alerte"])["code_objet"].n_unique()


# --------------------------------------------------------------------------------------------------
# Demandes invalides


def test_erreurs_claires(varie):
    jeu, _ = varie
    with pytest.raises(ErreurRequete, match="Maille de comparaison inconnue"):
        C.positions(jeu, "nationale", 2024)
    with pytest.raises(ErreurRequete, match="Indicateur inconnu"):
        C.positions(jeu, "ml", 2024, ["pas_un_indicateur"])
    with pytest.raises(ErreurRequete, match="Année invalide"):
        C.positions(jeu, "ml", "2024")
    with pytest.raises(ErreurRequete, match="Période invalide"):
        C.positions(jeu, "ml", 2024, annee_fin=2023)
    with pytest.raises(ErreurRequete, match="Pas de temps"):
        C.series(jeu, "ml", ["MLA"], "taux_acceptation", "semaine")


@pytest.mark.parametrize("code", ["'; DROP TABLE orientations; --", "MLA' OR '1'='1", "%", ""])
def test_codes_malveillants_sans_effet(varie, code):
    jeu, _ = varie
    assert C.positions(jeu, "ml", 2024, ["taux_acceptation"], codes=[code]).is_empty()
    with pytest.raises(ErreurRequete):
        C.comparables(jeu, "ml", code, 2024)
    assert C.series(jeu, "ml", [code], "taux_acceptation", avec_national=False).is_empty()
    assert C.positions(jeu, "ml", 2024, ["taux_acceptation"]).height == 4  # rien n'a bougé


def test_territoires(varie):
    jeu, _ = varie
    t = C.territoires(jeu, "ml")
    assert sorted(t["code"]) == ["MLA", "MLB", "MLC", "MLD"]
    assert all(lib == f"{n} ({c})" for c, n, lib in t.select("code", "nom", "libelle").iter_rows())
    assert t.filter(pl.col("code") == "MLA")["nom_region"][0] == "Bourgogne-Franche-Comté"
