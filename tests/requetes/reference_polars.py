"""Calcul de référence des indicateurs, en Polars seul, lu directement dans les fichiers Parquet.

Indépendant de requetes/mesures.py et des fichiers SQL : chaque mesure de base est recalculée ici à la
main, avec sa nature (flux / stock) déclarée ici aussi. Seules les formules du registre (quelle mesure au
numérateur, au dénominateur, quel facteur) sont reprises de requetes/indicateurs.py : c'est la
spécification que l'on vérifie.

Règles (celles du contrat et de la conception) :
- mesures des ML rattachées au département du siège, et à sa région par le référentiel ;
- mesures des communes (contexte) : à la maille ML par territoires_ml, aux autres par le référentiel ;
- année d'une table : allocations (grille ML × années du fichier, 0 pour une ML sans ligne),
  orientations (grille ML × années du fichier, 0), activité (pas de grille : moyenne mensuelle sur les
  mois transmis par la ML) ;
- période : flux sommés ; stocks = moyenne des valeurs annuelles du territoire sur les années où il en a ;
- ratio = facteur × Σ numérateurs ÷ Σ dénominateurs, nul si le dénominateur est nul.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

FLUX, STOCK = "flux", "stock"

MOTIFS_REF = ["eloignement_emploi", "difficultes_sociales", "accompagnement_global", "demande_jeune",
              "prestation_ft", "autre"]

NATURES = {
    "enveloppe_ml_eur": FLUX, "valorisation_etp_eur": FLUX, "subvention_compensatoire_eur": FLUX,
    "credits_financiers_eur": FLUX, "etp_affectes": STOCK, "etp_compenses": STOCK, "etp_mobilises": STOCK,
    "ml_avec_agent": STOCK, "objectif_entrees_delegation": FLUX, "nb_ml": STOCK,
    "ml_avec_accord": STOCK, "accords_en_vigueur": STOCK, "accords_socle": STOCK,
    "accords_comite_pilotage": STOCK, "accords_implication_president": STOCK,
    "accords_participation_jeunes": STOCK,
    "orientes_ft_ml": FLUX, "acceptes_ft_ml": FLUX, "entres_ft_ml": FLUX,
    **{f"orientes_ft_ml_{m}": FLUX for m in MOTIFS_REF},
    "orientes_ft_ml_sociales_ou_eloignement": FLUX,
    "orientes_ml_ft": FLUX, "acceptes_ml_ft": FLUX, "entres_ml_ft": FLUX,
    "jeunes_accompagnes": STOCK, "doubles_accompagnements": STOCK, "premiers_accueils": FLUX,
    "sorties_emploi": FLUX, "sorties_emploi_durable": FLUX, "sorties_formation": FLUX,
    "sorties_sans_solution": FLUX, "sorties_total": FLUX,
    "population_16_25": STOCK, "jeunes_neet": STOCK, "demandeurs_emploi_moins_26": STOCK,
    "etablissements_employeurs": STOCK, "places_formation": STOCK,
}
MESURES_COMMUNE = ["population_16_25", "jeunes_neet", "demandeurs_emploi_moins_26",
                   "etablissements_employeurs", "places_formation"]


class Reference:
    """Toutes les mesures d'un dossier d'exports, recalculées en Polars."""

    def __init__(self, dossier: Path, fichiers_ref: dict[str, Path]):
        lire = lambda nom: pl.read_parquet(Path(dossier) / f"{nom}.parquet")  # noqa: E731
        self.ml = lire("missions_locales")
        self.territoires_ml = lire("territoires_ml")
        self.accords = lire("accords")
        self.allocations = lire("allocations")
        self.orientations = lire("orientations")
        self.activite = lire("activite")
        self.contexte = lire("contexte")
        self.ref_communes = pl.read_parquet(fichiers_ref["communes"])
        self.ref_departements = pl.read_parquet(fichiers_ref["departements"])
        self.ref_regions = pl.read_parquet(fichiers_ref["regions"])
        self.annees = sorted(
            set(self.allocations["annee"].to_list())
            | set(self.orientations["mois"].dt.year().to_list())
            | set(self.activite["mois"].dt.year().to_list())
        )
        self._cache_annuel: dict = {}
        self.par_ml = self._mesures_ml()  # annee, code_ml, mesure, valeur
        self.par_commune = self._mesures_communes()  # annee, code_commune, mesure, valeur

    # ---------------------------------------------------------------- mesures par ML et par année
    def _grille(self, annees: list[int]) -> pl.DataFrame:
        return pl.DataFrame({"annee": annees}, schema={"annee": pl.Int64}).join(
            self.ml.select("code_ml"), how="cross")

    @staticmethod
    def _long(df: pl.DataFrame, cles: list[str]) -> pl.DataFrame:
        return df.unpivot(index=cles, variable_name="mesure", value_name="valeur").with_columns(
            pl.col("valeur").cast(pl.Float64))

    def _mesures_ml(self) -> pl.DataFrame:
        morceaux = []
        # allocations
        a = self.allocations.with_columns(pl.col("annee").cast(pl.Int64))
        g = self._grille(sorted(set(a["annee"].to_list()))).join(a, on=["annee", "code_ml"], how="left")
        g = g.with_columns(pl.col(c).fill_null(0).cast(pl.Float64) for c in (
            "etp_affectes", "etp_compenses", "valorisation_etp_eur", "subvention_compensatoire_eur",
            "credits_financiers_eur", "objectif_entrees_delegation"))
        morceaux.append(self._long(g.select(
            "annee", "code_ml",
            (pl.col("valorisation_etp_eur") + pl.col("subvention_compensatoire_eur")
             + pl.col("credits_financiers_eur")).alias("enveloppe_ml_eur"),
            "valorisation_etp_eur", "subvention_compensatoire_eur", "credits_financiers_eur",
            "etp_affectes", "etp_compenses",
            (pl.col("etp_affectes") + pl.col("etp_compenses")).alias("etp_mobilises"),
            (pl.col("etp_affectes") > 0).cast(pl.Float64).alias("ml_avec_agent"),
            "objectif_entrees_delegation",
        ), ["annee", "code_ml"]))
        # réseau
        morceaux.append(self._grille(self.annees).with_columns(
            pl.lit("nb_ml").alias("mesure"), pl.lit(1.0).alias("valeur")))
        # accords (au 31 décembre de chaque année)
        morceaux.append(self.accords_au(None))
        # orientations
        o = self.orientations.with_columns(pl.col("mois").dt.year().cast(pl.Int64).alias("annee"))
        ft = pl.col("sens") == "ft_vers_ml"
        ml_ft = pl.col("sens") == "ml_vers_ft"
        exprs = [
            pl.col("orientes").filter(ft).sum().alias("orientes_ft_ml"),
            pl.col("acceptes").filter(ft).sum().alias("acceptes_ft_ml"),
            pl.col("entres").filter(ft).sum().alias("entres_ft_ml"),
            *(pl.col("orientes").filter(ft & (pl.col("motif") == m)).sum().alias(f"orientes_ft_ml_{m}")
              for m in MOTIFS_REF),
            pl.col("orientes").filter(ft & pl.col("motif").is_in(["difficultes_sociales", "eloignement_emploi"]))
            .sum().alias("orientes_ft_ml_sociales_ou_eloignement"),
            pl.col("orientes").filter(ml_ft).sum().alias("orientes_ml_ft"),
            pl.col("acceptes").filter(ml_ft).sum().alias("acceptes_ml_ft"),
            pl.col("entres").filter(ml_ft).sum().alias("entres_ml_ft"),
        ]
        oa = o.group_by("annee", "code_ml").agg(exprs)
        go = self._grille(sorted(set(o["annee"].to_list()))).join(oa, on=["annee", "code_ml"], how="left")
        go = go.with_columns(pl.all().exclude("annee", "code_ml").fill_null(0))
        morceaux.append(self._long(go, ["annee", "code_ml"]))
        # activité : par ML, moyenne des mois transmis pour les stocks, somme pour les flux
        act = self.activite.filter(pl.col("code_ml").is_in(self.ml["code_ml"].implode())).with_columns(
            pl.col("mois").dt.year().cast(pl.Int64).alias("annee"))
        aa = act.group_by("annee", "code_ml").agg(
            pl.col("jeunes_accompagnes").mean(),
            pl.col("doubles_accompagnements").mean(),
            pl.col("premiers_accueils").sum(),
            pl.col("sorties_emploi").sum(),
            pl.col("sorties_emploi_durable").sum(),
            pl.col("sorties_formation").sum(),
            pl.col("sorties_sans_solution").sum(),
            (pl.col("sorties_emploi") + pl.col("sorties_formation") + pl.col("sorties_sans_solution"))
            .sum().alias("sorties_total"),
        )
        morceaux.append(self._long(aa, ["annee", "code_ml"]))
        return pl.concat([m.select("annee", "code_ml", "mesure", "valeur") for m in morceaux])

    def accords_au(self, date_reference: date | None) -> pl.DataFrame:
        lignes = []
        for annee in self.annees:
            ref = date_reference or date(annee, 12, 31)
            debut = pl.coalesce("date_debut", "date_signature")
            vig = self.accords.filter(
                (pl.col("statut") == "signe")
                & (debut.is_null() | (debut <= ref))
                & (pl.col("date_fin").is_null() | (pl.col("date_fin") >= ref))
            )
            v = lambda c: pl.col(c).fill_null(False)  # noqa: E731
            par_ml = vig.group_by("code_ml").agg(
                pl.len().cast(pl.Float64).alias("accords_en_vigueur"),
                (v("diagnostic_partage") & v("criteres_orientation") & v("plan_actions")).sum()
                .cast(pl.Float64).alias("accords_socle"),
                v("comite_pilotage").sum().cast(pl.Float64).alias("accords_comite_pilotage"),
                v("implication_president").sum().cast(pl.Float64).alias("accords_implication_president"),
                (pl.col("participation_jeunes").fill_null(0) >= 2).sum().cast(pl.Float64)
                .alias("accords_participation_jeunes"),
            )
            g = self.ml.select("code_ml").join(par_ml, on="code_ml", how="left").with_columns(
                pl.all().exclude("code_ml").fill_null(0.0))
            g = g.with_columns((pl.col("accords_en_vigueur") > 0).cast(pl.Float64).alias("ml_avec_accord"),
                               pl.lit(annee, dtype=pl.Int64).alias("annee"))
            lignes.append(self._long(g, ["annee", "code_ml"]))
        return pl.concat(lignes).select("annee", "code_ml", "mesure", "valeur")

    def _mesures_communes(self) -> pl.DataFrame:
        c = self.contexte.with_columns(pl.col("annee").cast(pl.Int64))
        return self._long(c.select("annee", "code_commune", *MESURES_COMMUNE), ["annee", "code_commune"])

    # ---------------------------------------------------------------- mailles
    def _cle_ml(self, maille: str) -> pl.DataFrame:
        m = self.ml.select("code_ml", "code_departement").join(
            self.ref_departements.select("code_departement", "code_region"), on="code_departement", how="left")
        cle = {"nationale": pl.lit("FR"), "region": pl.col("code_region"),
               "departement": pl.col("code_departement"), "ml": pl.col("code_ml")}[maille]
        return m.select("code_ml", cle.alias("code"))

    def _cle_commune(self, maille: str) -> pl.DataFrame:
        if maille == "ml":
            return self.territoires_ml.select("code_commune", pl.col("code_ml").alias("code"))
        cle = {"nationale": pl.lit("FR"), "region": pl.col("code_region"),
               "departement": pl.col("code_departement")}[maille]
        return self.ref_communes.select("code_commune", cle.alias("code"))

    def territoires(self, maille: str) -> pl.DataFrame:
        """code, nom, code_region des territoires présents."""
        if maille == "nationale":
            return pl.DataFrame({"code": ["FR"], "nom": ["France"], "code_region": [None]},
                                schema={"code": pl.Utf8, "nom": pl.Utf8, "code_region": pl.Utf8})
        if maille == "ml":
            return self.ml.join(self.ref_departements.select("code_departement", "code_region"),
                                on="code_departement", how="left").select(
                pl.col("code_ml").alias("code"), pl.col("nom_ml").alias("nom"), "code_region")
        deps = set(self.ml["code_departement"].to_list())
        communes = set(self.territoires_ml["code_commune"].to_list()) | set(self.contexte["code_commune"].to_list())
        deps |= set(self.ref_communes.filter(pl.col("code_commune").is_in(list(communes)))["code_departement"]
                    .to_list())
        d = self.ref_departements.filter(pl.col("code_departement").is_in(list(deps)))
        if maille == "departement":
            return d.select(pl.col("code_departement").alias("code"), pl.col("nom_departement").alias("nom"),
                            "code_region")
        return self.ref_regions.filter(pl.col("code_region").is_in(d["code_region"].unique().implode())).select(
            pl.col("code_region").alias("code"), pl.col("nom_region").alias("nom"), "code_region")

    def annuel(self, maille: str, date_reference: date | None = None) -> pl.DataFrame:
        """(annee, code, mesure, valeur) : somme des unités de la maille, année par année."""
        cle_cache = (maille, date_reference)
        if cle_cache in self._cache_annuel:
            return self._cache_annuel[cle_cache]
        par_ml = self.par_ml
        if date_reference is not None:
            accords = self.accords_au(date_reference)
            par_ml = pl.concat([par_ml.filter(~pl.col("mesure").is_in(accords["mesure"].unique().implode())),
                                accords])
        a = par_ml.join(self._cle_ml(maille), on="code_ml").group_by("annee", "code", "mesure").agg(
            pl.col("valeur").sum())
        b = self.par_commune.join(self._cle_commune(maille), on="code_commune").group_by(
            "annee", "code", "mesure").agg(pl.col("valeur").sum())
        resultat = pl.concat([a, b]).filter(pl.col("code").is_not_null())
        self._cache_annuel[cle_cache] = resultat
        return resultat

    def periode(self, maille: str, debut: int, fin: int, date_reference: date | None = None) -> pl.DataFrame:
        """(code, mesure, valeur) sur la période : flux sommés, stocks moyennés sur les années."""
        a = self.annuel(maille, date_reference).filter(pl.col("annee").is_between(debut, fin))
        stocks = [m for m, n in NATURES.items() if n == STOCK]
        flux = a.filter(~pl.col("mesure").is_in(stocks)).group_by("code", "mesure").agg(pl.col("valeur").sum())
        stock = a.filter(pl.col("mesure").is_in(stocks)).group_by("code", "mesure").agg(pl.col("valeur").mean())
        return pl.concat([flux, stock])

    def indicateurs(self, maille: str, debut: int, fin: int, registre: dict,
                    date_reference: date | None = None) -> pl.DataFrame:
        """(code, nom, code_region, indicateur, numerateur, denominateur, valeur)."""
        p = self.periode(maille, debut, fin, date_reference)
        formules = pl.DataFrame(
            {"indicateur": list(registre), "n": [i.numerateur for i in registre.values()],
             "d": [i.denominateur for i in registre.values()],
             "f": [float(i.facteur) for i in registre.values()]},
            schema={"indicateur": pl.Utf8, "n": pl.Utf8, "d": pl.Utf8, "f": pl.Float64})
        t = self.territoires(maille).join(formules, how="cross")
        t = t.join(p.rename({"mesure": "n", "valeur": "numerateur"}), on=["code", "n"], how="left")
        t = t.join(p.rename({"mesure": "d", "valeur": "denominateur"}), on=["code", "d"], how="left")
        n, d, f = pl.col("numerateur"), pl.col("denominateur"), pl.col("f")
        valeur = (pl.when(pl.col("d").is_null()).then(f * n)
                  .when(d.is_null() | (d == 0)).then(None)
                  .otherwise(f * n / d))
        return t.select("code", "nom", "code_region", "indicateur", "numerateur", "denominateur",
                        valeur.alias("valeur")).cast(
            {"numerateur": pl.Float64, "denominateur": pl.Float64, "valeur": pl.Float64})


def comparer(obtenu: pl.DataFrame, attendu: pl.DataFrame, cles: list[str], contexte: str,
             tolerance: float = 1e-9) -> None:
    """Lève une AssertionError listant les écarts (clés identiques, valeurs égales à la tolérance près)."""
    en_trop = obtenu.join(attendu, on=cles, how="anti")
    manquant = attendu.join(obtenu, on=cles, how="anti")
    assert en_trop.is_empty() and manquant.is_empty(), (
        f"{contexte} : lignes différentes ; en trop {en_trop.select(cles).head(5).rows()}, "
        f"manquantes {manquant.select(cles).head(5).rows()}")
    assert obtenu.height == attendu.height, f"{contexte} : doublons"
    j = obtenu.join(attendu, on=cles, suffix="_ref")
    problemes = []
    for col in ("nom", "code_region", "numerateur", "denominateur", "valeur"):
        if col not in obtenu.columns:
            continue
        x, y = pl.col(col), pl.col(f"{col}_ref")
        if obtenu.schema[col] == pl.Utf8:
            faux = x.ne_missing(y)
        else:
            faux = (x.is_null() != y.is_null()) | (
                (x - y).abs() > tolerance * pl.max_horizontal(pl.lit(1.0), x.abs(), y.abs()))
        mauvais = j.filter(faux.fill_null(False))
        if not mauvais.is_empty():
            problemes.append(f"{col} : {mauvais.height} écart(s), ex. "
                             f"{mauvais.select(*cles, col, f'{col}_ref').head(10).rows()}")
    assert not problemes, f"{contexte} :\n" + "\n".join(problemes)
