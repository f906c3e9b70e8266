"""Filtres partagés (année, région) et widgets liés à l'URL.

Les filtres partagés sont affichés dans la barre latérale par le point d'entrée
(``tableau_de_bord.py``) avec ``bind="query-params"`` : leur valeur s'écrit dans l'URL
(``?annee=2023&region=Bretagne``), un lien envoyé rouvre la même vue, et, comme ces widgets vivent dans
le point d'entrée, Streamlit garde ces paramètres quand on change de page (``st.navigation``).

Règles d'URL (Streamlit 1.67, ``bind="query-params"``) :
- la valeur écrite dans l'URL est le **libellé** de l'option (ce que montre le widget) ; un libellé
  inconnu est ignoré et retiré de l'URL, le widget garde sa valeur par défaut ;
- la valeur par défaut n'est pas écrite dans l'URL : pas de ``annee`` = dernière année des données,
  pas de ``region`` = tout le jeu (la France entière pour un jeu national) ;
- une clé de widget est aussi le nom du paramètre d'URL : les clés propres à une page doivent être
  préfixées par la page (``carte_indicateur``) ; ``annee`` et ``region`` sont réservées.

Les pages lisent les filtres par ``filtres()`` et créent leurs propres widgets liés à l'URL par
``selection_url(...)`` ; la valeur rendue est toujours revalidée contre les options permises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from presentation import couverture as mots_couverture
from requetes.couverture import Couverture

CLE_ANNEE = "annee"
CLE_REGION = "region"
CLES_RESERVEES = frozenset({CLE_ANNEE, CLE_REGION})
FRANCE = "FR"  # option « tout le jeu » du filtre région (« France entière » pour un jeu national)
LIBELLE_FRANCE = "France entière"
_CLE_ETAT = "_tdb_filtres"
_CLE_RELANCES = "_tdb_relances_sans_filtres"


@dataclass(frozen=True)
class Filtres:
    annee: int
    code_region: str | None  # None = tout le jeu (la France entière pour un jeu national)
    nom_region: str | None
    annees: tuple[int, ...]  # années disponibles, de la plus récente à la plus ancienne
    regions: tuple[tuple[str, str], ...]  # (code, nom) des régions proposées
    # Périmètre du jeu de données (requetes.couverture) ; None = national (appel sans jeu, tests).
    couverture: Couverture | None = None

    @property
    def annee_precedente(self) -> int | None:
        return self.annee - 1 if (self.annee - 1) in self.annees else None

    @property
    def jeu_national(self) -> bool:
        return self.couverture is None or self.couverture.national

    @property
    def libelle_jeu(self) -> str:
        """Ce que couvre le jeu : « France entière », « Bretagne »…"""
        return LIBELLE_FRANCE if self.couverture is None else mots_couverture.libelle(self.couverture)

    @property
    def reference(self) -> str:
        """Nom de la valeur de référence des comparaisons : « France », ou « Zone couverte : Bretagne »."""
        return "France" if self.couverture is None else mots_couverture.reference(self.couverture)

    @property
    def territoire(self) -> str:
        return self.nom_region or self.libelle_jeu

    @property
    def note_comparaisons(self) -> str | None:
        """Jeu partiel : « rangs, médianes et références calculés sur les territoires présents » (None sinon)."""
        return None if self.couverture is None else mots_couverture.note_comparaisons(self.couverture)

    def adapter(self, objet):
        """``objet`` (texte, tableau, figure…) dont la référence « France » devient la zone couverte quand le
        jeu est partiel (``presentation.couverture.adapter``) ; tel quel pour un jeu national."""
        return mots_couverture.adapter(objet, self.couverture)


# ---------------------------------------------------------------------------------------------
# Validation (sans Streamlit : testée à part)
# ---------------------------------------------------------------------------------------------


def libelles_uniques(options: Sequence[Any], libelles: Mapping[Any, str] | Callable[[Any], str] | None) -> dict[Any, str]:
    """Option -> libellé affiché (et écrit dans l'URL). Deux options de même libellé sont distinguées
    par leur valeur entre parenthèses, pour qu'un libellé d'URL désigne une seule option."""
    if libelles is None:
        brut = {o: str(o) for o in options}
    elif callable(libelles):
        brut = {o: str(libelles(o)) for o in options}
    else:
        brut = {o: str(libelles.get(o, o)) for o in options}
    comptes: dict[str, int] = {}
    for texte in brut.values():
        comptes[texte] = comptes.get(texte, 0) + 1
    return {o: (f"{t} ({o})" if comptes[t] > 1 else t) for o, t in brut.items()}


def valider_valeur(valeur: Any, options: Sequence[Any], defaut: Any) -> Any:
    """``valeur`` si elle est une des ``options``, sinon ``defaut`` (jamais confiance à l'URL)."""
    try:
        return valeur if valeur in list(options) else defaut
    except TypeError:
        return defaut


def valider_valeurs(valeurs: Any, options: Sequence[Any], defaut: Sequence[Any]) -> list[Any]:
    """Les éléments de ``valeurs`` qui sont des ``options`` (ordre gardé, sans doublon) ;
    ``defaut`` si ``valeurs`` n'est pas une liste."""
    if not isinstance(valeurs, (list, tuple)):
        return list(defaut)
    permises = list(options)
    vues: list[Any] = []
    for v in valeurs:
        try:
            if v in permises and v not in vues:
                vues.append(v)
        except TypeError:
            continue
    return vues


def valeur_depuis_libelle(texte: str | None, libelles: Mapping[Any, str]) -> Any | None:
    """Option dont le libellé est ``texte`` (lecture d'un paramètre d'URL), ou ``None``."""
    if texte is None:
        return None
    for option, libelle in libelles.items():
        if libelle == texte:
            return option
    return None


# ---------------------------------------------------------------------------------------------
# Widgets liés à l'URL
# ---------------------------------------------------------------------------------------------


def verifier_cle(cle: str, reservee_permise: bool = False) -> None:
    """Refuse une clé vide, réservée aux filtres partagés, ou commençant par « _ »."""
    if not cle or not isinstance(cle, str):
        raise ValueError("Un widget lié à l'URL a besoin d'une clé (texte non vide).")
    if cle in CLES_RESERVEES and not reservee_permise:
        raise ValueError(f"La clé {cle!r} est réservée aux filtres partagés ; préfixez-la par la page.")
    if cle.startswith("_"):
        raise ValueError(f"La clé {cle!r} ne peut pas commencer par « _ » (réservé à l'application).")


def selection_url(
    libelle: str,
    options: Sequence[Any],
    *,
    cle: str,
    libelles: Mapping[Any, str] | Callable[[Any], str] | None = None,
    defaut: Any = None,
    multiple: bool = False,
    aide: str | None = None,
    conteneur: Any = None,
    max_selections: int | None = None,
    placeholder: str | None = None,
    desactive: bool = False,
    forme: str = "liste",
    _reservee: bool = False,
) -> Any:
    """Un ``st.selectbox`` (ou ``st.multiselect`` si ``multiple``) dont la valeur est lue dans l'URL
    et y est écrite (paramètre ``cle``). ``forme="segments"`` : un ``st.segmented_control`` (pour 2 à
    5 options toujours visibles), choix unique obligatoire ou multiple.

    - ``options`` : valeurs permises (codes) ; ``libelles`` : dict ou fonction option -> libellé
      affiché, qui est aussi la forme écrite dans l'URL ;
    - ``defaut`` : option par défaut (liste d'options si ``multiple``) ; à défaut, la première option
      (liste vide si ``multiple``) ;
    - rend l'option choisie (liste si ``multiple``), toujours revalidée contre ``options``.
    """
    verifier_cle(cle, _reservee)
    options = list(options)
    noms = libelles_uniques(options, libelles)
    cible = conteneur if conteneur is not None else st
    signaler_valeurs_ignorees(cle, noms)
    if forme not in ("liste", "segments"):
        raise ValueError(f"Forme inconnue : {forme!r} (attendu : liste ou segments).")
    if forme == "segments" and options:
        if multiple:
            defaut_liste = valider_valeurs(list(defaut or []), options, [])
            valeur = cible.segmented_control(
                libelle, options, selection_mode="multi", default=defaut_liste, format_func=noms.__getitem__,
                key=cle, help=aide, disabled=desactive, bind="query-params",
            )
            return valider_valeurs(valeur, options, defaut_liste)
        defaut_valide = valider_valeur(defaut, options, options[0])
        valeur = cible.segmented_control(
            libelle, options, selection_mode="single", default=defaut_valide, required=True,
            format_func=noms.__getitem__, key=cle, help=aide, disabled=desactive, bind="query-params",
        )
        return valider_valeur(valeur, options, defaut_valide)
    if multiple:
        defaut_liste = valider_valeurs(list(defaut or []), options, [])
        valeur = cible.multiselect(
            libelle, options, default=defaut_liste, format_func=noms.__getitem__, key=cle,
            help=aide, max_selections=max_selections, placeholder=placeholder, disabled=desactive,
            bind="query-params",
        )
        return valider_valeurs(valeur, options, defaut_liste)
    if not options:
        cible.selectbox(libelle, [], key=cle, help=aide, disabled=True, placeholder=placeholder or "Aucun choix")
        return None
    defaut_valide = valider_valeur(defaut, options, options[0])
    valeur = cible.selectbox(
        libelle, options, index=options.index(defaut_valide), format_func=noms.__getitem__, key=cle,
        help=aide, placeholder=placeholder, disabled=desactive, bind="query-params",
    )
    return valider_valeur(valeur, options, defaut_valide)


def valeurs_ignorees(demandees: Sequence[str], noms: Mapping[Any, str]) -> list[str]:
    """Les libellés lus dans l'adresse qui ne sont pas proposés (hors du périmètre de la session, absents
    des données, ou mal écrits) : le widget les ignore."""
    permis = set(noms.values())
    return [v for v in demandees if v not in permis]


def signaler_valeurs_ignorees(cle: str, noms: Mapping[Any, str]) -> None:
    """Avant le widget lié à l'adresse : une valeur d'adresse qui n'est pas proposée est ignorée par
    Streamlit (et retirée de l'adresse) ; on le dit, une fois, au lieu de l'ignorer en silence."""
    from presentation.format import echapper_markdown

    try:
        demandees = st.query_params.get_all(cle)
    except Exception:  # pas de contexte d'exécution (appel hors d'une page)
        return
    ignorees = valeurs_ignorees(demandees, noms)
    if ignorees:
        valeurs = ", ".join(f"« {echapper_markdown(v)} »" for v in ignorees)
        st.info(f"{valeurs} (paramètre « {cle} » de l'adresse) n'est pas proposé ici — hors de votre périmètre "
                "ou absent des données : valeur ignorée.", icon=":material/info:")


def bascule_url(libelle: str, *, cle: str, defaut: bool = False, aide: str | None = None, conteneur: Any = None) -> bool:
    """Un ``st.toggle`` lié à l'URL (``?cle=true``) ; rend toujours un booléen."""
    verifier_cle(cle)
    cible = conteneur if conteneur is not None else st
    valeur = cible.toggle(libelle, value=bool(defaut), key=cle, help=aide, bind="query-params")
    return valeur if isinstance(valeur, bool) else bool(defaut)


def curseur_url(libelle: str, minimum: float, maximum: float, *, cle: str, defaut: float, pas: float = 1,
                aide: str | None = None, format: str | None = None, conteneur: Any = None) -> float:
    """Un ``st.slider`` (une valeur) lié à l'URL ; la valeur rendue est ramenée dans
    [``minimum``, ``maximum``] ; une valeur d'URL hors bornes ou illisible est ignorée (valeur par défaut)."""
    verifier_cle(cle)
    if not minimum <= defaut <= maximum:
        raise ValueError(f"Valeur par défaut {defaut} hors de [{minimum}, {maximum}].")
    cible = conteneur if conteneur is not None else st
    valeur = cible.slider(libelle, min_value=minimum, max_value=maximum, value=defaut, step=pas, key=cle,
                          help=aide, format=format, bind="query-params")
    try:
        return min(max(type(defaut)(valeur), minimum), maximum)
    except (TypeError, ValueError):
        return defaut


# ---------------------------------------------------------------------------------------------
# Filtres partagés
# ---------------------------------------------------------------------------------------------


def options_region(couples: Sequence[tuple[str, str]], couverture: Couverture | None
                   ) -> tuple[tuple[tuple[str, str], ...], list[str], str, str]:
    """(régions proposées, options du filtre, option par défaut, libellé de l'option « tout le jeu »), selon
    le périmètre du jeu (sans Streamlit : testé à part).

    Jeu national : « France entière » puis chaque région, « France entière » par défaut. Jeu partiel : les
    régions couvertes seulement, nommées par ce que le jeu en couvre (``presentation.couverture``) ; s'il
    en couvre plusieurs, l'option « tout le jeu » est nommée par la zone (« Bretagne et Normandie ») et
    vient par défaut ; s'il n'en couvre qu'une, elle est la seule option (« France entière » n'existe pas
    dans ce jeu)."""
    if couverture is None or couverture.national:
        return tuple(couples), [FRANCE, *dict(couples)], FRANCE, LIBELLE_FRANCE
    couvertes = tuple((c, mots_couverture.libelle_region(couverture, c, n)) for c, n in couples
                      if c in couverture.regions)
    codes = [c for c, _ in couvertes]
    if len(codes) == 1:
        return couvertes, codes, codes[0], mots_couverture.libelle(couverture)
    return couvertes, [FRANCE, *codes], FRANCE, mots_couverture.libelle(couverture)


def afficher_filtres(annees: Sequence[int], regions: Sequence[tuple[str, str]] | Mapping[str, str],
                     couverture: Couverture | None = None, region_session: str | None = None) -> Filtres:
    """Affiche les filtres partagés dans la barre latérale (appelé par le point d'entrée, avant la
    page) et les mémorise pour ``filtres()``.

    ``annees`` : années disponibles ; ``regions`` : (code, nom) ou {code: nom} ; ``couverture`` : le
    périmètre du jeu de données (``requetes.couverture``), qui décide des régions proposées et du
    territoire par défaut (``options_region``) ; ``region_session`` : la région du périmètre de la
    personne connectée (profil région, ou région de sa Mission Locale), territoire par défaut quand le jeu
    la propose — une ARML arrive sur sa région, pas sur « France entière ».
    """
    annees_triees = tuple(sorted({int(a) for a in annees}, reverse=True))
    if isinstance(regions, Mapping):
        couples = tuple((str(c), str(n)) for c, n in regions.items())
    else:
        couples = tuple((str(c), str(n)) for c, n in regions)
    couples = tuple(sorted(couples, key=lambda cn: _cle_tri(cn[1])))
    couples, options, defaut, libelle_tout = options_region(couples, couverture)
    if region_session in options:
        defaut = region_session
    noms = dict(couples)

    with st.sidebar:
        st.subheader("Filtres", anchor=False)
        if annees_triees:
            annee = selection_url(
                "Année", annees_triees, cle=CLE_ANNEE, defaut=annees_triees[0], _reservee=True,
                aide="Année observée. Les évolutions sont calculées par rapport à l'année précédente.",
            )
        else:
            annee = None
        code = selection_url(
            "Région", options, cle=CLE_REGION, defaut=defaut, _reservee=True,
            libelles={FRANCE: libelle_tout, **noms},
            aide=(f"Région à mettre en avant. « {LIBELLE_FRANCE} » montre l'ensemble du pays."
                  if couverture is None or couverture.national else
                  f"Région à mettre en avant, parmi celles du jeu de données. {mots_couverture.phrase(couverture)}"),
        )
        if couverture is not None and not couverture.national:
            st.caption(f"**{mots_couverture.phrase(couverture)}** Les autres régions ne sont pas dans les données.")
        st.caption("L'adresse de la page reprend ces filtres : copiez-la pour partager cette vue.")

    code_region = None if code in (None, FRANCE) else code
    resultat = Filtres(
        annee=int(annee) if annee is not None else 0,
        code_region=code_region,
        nom_region=noms.get(code_region) if code_region else None,
        annees=annees_triees,
        regions=couples,
        couverture=couverture,
    )
    st.session_state[_CLE_ETAT] = resultat
    st.session_state[_CLE_RELANCES] = 0
    return resultat


def _cle_tri(nom: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", nom) if unicodedata.category(c) != "Mn").lower()


def filtres_complets() -> Filtres:
    """Les filtres partagés de l'exécution en cours (objet ``Filtres``)."""
    from interface.garde import assurer_navigation

    assurer_navigation()
    resultat = st.session_state.get(_CLE_ETAT)
    if resultat is None:
        # La page s'exécute seule, sans le point d'entrée : l'ancien mode « dossier pages/ » de
        # Streamlit, au tout premier passage d'un serveur neuf. Le drapeau de ce mode est commun au
        # processus : une autre session qui démarre au même instant a pu le baisser (interface/garde.py)
        # entre le début de cette exécution et ici. Relancer passe alors par le point d'entrée ; deux
        # relances au plus, pour ne jamais boucler.
        relances = st.session_state.get(_CLE_RELANCES, 0)
        if relances < 2:
            st.session_state[_CLE_RELANCES] = relances + 1
            st.rerun()
        raise RuntimeError(
            "Les filtres partagés ne sont pas encore définis : la page doit être ouverte par "
            "tableau_de_bord.py (st.navigation), qui affiche les filtres avant la page."
        )
    return resultat


def filtres() -> tuple[int, str | None]:
    """(année, code de la région ou None pour tout le jeu), choisis dans la barre latérale."""
    f = filtres_complets()
    return f.annee, f.code_region
