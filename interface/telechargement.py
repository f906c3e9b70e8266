"""Téléchargement d'un tableau en CSV (à la française) et en XLSX.

- CSV : séparateur « ; », virgule décimale, encodage UTF-8 avec BOM (Excel français l'ouvre
  directement), dates ISO ; un texte qui commence par = + - @, une tabulation ou un retour chariot est
  préfixé d'une apostrophe, pour que le tableur ne l'exécute pas comme une formule ;
- XLSX : une feuille, en-têtes en gras, filtre automatique, colonnes ajustées, volets figés ; les textes y
  sont des cellules de texte (jamais des formules), gardés tels quels ;
- ``libelles`` renomme les colonnes (code -> libellé lisible) dans le fichier.

``en_csv`` et ``en_xlsx`` rendent des octets (testés sans Streamlit) ; ``boutons_telechargement``
affiche les deux boutons. Leurs fichiers ne sont fabriqués qu'au clic (``data`` appelable de
``st.download_button``) : une réexécution de page ne sérialise plus aucun tableau (l'XLSX coûte des dizaines
de millisecondes par tableau).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Mapping
from functools import partial

import polars as pl


def _preparer(df: pl.DataFrame, libelles: Mapping[str, str] | None) -> pl.DataFrame:
    if libelles:
        df = df.rename({k: v for k, v in libelles.items() if k in df.columns})
    # Les listes (ex. codes_agences) deviennent du texte « a, b » : ni le CSV ni l'XLSX ne les portent.
    conversions = [
        pl.col(nom).list.join(", ").alias(nom)
        for nom, type_ in df.schema.items()
        if isinstance(type_, pl.List) and type_.inner == pl.Utf8
    ]
    if conversions:
        df = df.with_columns(conversions)
    return df


# Début de cellule qu'un tableur lit comme une formule (injection de formules, OWASP « CSV injection »).
DEBUT_FORMULE = r"^[=+\-@\t\r]"


def _neutraliser_formules(df: pl.DataFrame) -> pl.DataFrame:
    """Préfixe d'une apostrophe « ' » les textes qui commencent par = + - @, une tabulation ou un retour
    chariot (noms de ML, d'agences, identifiants d'accords… viennent des exports) : le tableur les affiche
    comme du texte au lieu d'exécuter une formule. Seules les colonnes de texte sont touchées : un nombre,
    même négatif, reste un nombre. Les en-têtes aussi, par prudence. Expressions Polars natives."""
    textes = [nom for nom, type_ in df.schema.items()
              if type_ in (pl.Utf8, pl.Categorical) or isinstance(type_, pl.Enum)]
    if textes:
        df = df.with_columns(
            pl.when(pl.col(nom).cast(pl.Utf8).str.contains(DEBUT_FORMULE))
            .then(pl.lit("'") + pl.col(nom).cast(pl.Utf8))
            .otherwise(pl.col(nom).cast(pl.Utf8))
            .alias(nom)
            for nom in textes
        )
    formule = re.compile(DEBUT_FORMULE)
    return df.rename({nom: "'" + nom for nom in df.columns if formule.match(nom)})


def en_csv(df: pl.DataFrame, libelles: Mapping[str, str] | None = None) -> bytes:
    """CSV français : « ; », virgule décimale, UTF-8 avec BOM ; textes neutralisés contre l'injection de
    formules (``_neutraliser_formules``)."""
    df = _neutraliser_formules(_preparer(df, libelles))
    texte = df.write_csv(separator=";", decimal_comma=True, date_format="%Y-%m-%d",
                         datetime_format="%Y-%m-%d %H:%M:%S", float_scientific=False)
    return ("\ufeff" + texte).encode("utf-8")


def en_xlsx(df: pl.DataFrame, libelles: Mapping[str, str] | None = None, feuille: str = "Données") -> bytes:
    """Classeur XLSX d'une feuille."""
    df = _preparer(df, libelles)
    tampon = io.BytesIO()
    feuille = re.sub(r"[\[\]:*?/\\]", " ", feuille)[:31] or "Données"
    df.write_excel(
        tampon,
        worksheet=feuille,
        header_format={"bold": True, "bg_color": "#E3E3FD", "font_color": "#161616"},
        autofit=True,
        autofilter=True,
        freeze_panes=(1, 0),
        float_precision=2,
        dtype_formats={pl.Date: "dd/mm/yyyy"},
    )
    return tampon.getvalue()


def nom_fichier(base: str, extension: str, annee: int | None = None) -> str:
    """« orientations_2024.csv » : sans accents ni espaces."""
    sans_accents = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    propre = re.sub(r"[^A-Za-z0-9]+", "_", sans_accents).strip("_").lower() or "donnees"
    if annee is not None:
        propre += f"_{annee}"
    return f"{propre}.{extension}"


def boutons_telechargement(df: pl.DataFrame, base_nom: str, *, cle: str, libelles: Mapping[str, str] | None = None,
                           annee: int | None = None, feuille: str = "Données", conteneur=None) -> None:
    """Deux boutons côte à côte : « CSV » et « Excel (XLSX) ». ``cle`` : préfixe unique des boutons.

    Les fichiers sont fabriqués au clic seulement : Streamlit garde l'appelable (``partial``, qui fige ``df``
    et les options de cette exécution) et ne l'exécute que lorsque le navigateur demande le fichier."""
    import streamlit as st

    cible = conteneur if conteneur is not None else st
    with cible.container(horizontal=True):
        st.download_button(
            "Télécharger en CSV", data=partial(en_csv, df, libelles), file_name=nom_fichier(base_nom, "csv", annee),
            mime="text/csv", key=f"{cle}_csv", icon=":material/download:", on_click="ignore",
            help="Séparateur « ; », virgule décimale, UTF-8 : s'ouvre directement dans un tableur français.",
        )
        st.download_button(
            "Télécharger en Excel", data=partial(en_xlsx, df, libelles, feuille), key=f"{cle}_xlsx",
            file_name=nom_fichier(base_nom, "xlsx", annee), icon=":material/table_view:", on_click="ignore",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


__all__ = ["boutons_telechargement", "en_csv", "en_xlsx", "nom_fichier"]
