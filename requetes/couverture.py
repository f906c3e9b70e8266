"""Le périmètre du **jeu de données** : ce que ses exports couvrent (codes seulement).

Un jeu d'exports conforme au contrat peut ne porter que les Missions Locales d'une région (l'ARML qui
coordonne sa région) ou d'un département. Le tableau de bord ne doit pas le lire comme la France : les
communes hors du jeu ne sont pas des trous de couverture, une région absente n'est pas une région vide,
et la somme des parts des ML n'a pas à égaler l'enveloppe nationale.

``couverture(jeu)`` dit ce que le jeu couvre, d'après ses données (règle SQL écrite une fois :
``departements_du_jeu()`` et ``jeu_national()`` de ``requetes/sql/regles/territoires.sql``) :

- ``departements`` : les départements du siège d'au moins une de ses ML ;
- ``regions`` : leurs régions ;
- ``regions_completes`` : les régions dont tous les départements sont couverts ;
- ``national`` : vrai quand les 18 régions du référentiel sont couvertes.

C'est le périmètre **des données**, pas celui de la session (``requetes.perimetre``) : les deux se
composent (une identité nationale sur un jeu régional voit cette région ; une ARML sur un jeu national voit
la sienne). Le résultat est le même pour toutes les sessions (des codes de régions et de départements, pas
de lignes par territoire) : il n'est pas restreint (``tests/requetes/test_perimetre.py``). Les mots
(« France entière », « Bretagne », « Guadeloupe (département 971) ») sont écrits par
``presentation.couverture``.
"""

from __future__ import annotations

from dataclasses import dataclass

from requetes.jeu import JeuDeDonnees


@dataclass(frozen=True)
class Couverture:
    """Ce que couvre un jeu de données : codes triés."""

    national: bool
    regions: tuple[str, ...]
    departements: tuple[str, ...]
    regions_completes: tuple[str, ...]

    @property
    def partiel(self) -> bool:
        return not self.national

    def departements_de(self, code_region: str) -> tuple[str, ...]:
        """Les départements couverts d'une région (vide si elle n'est pas couverte)."""
        return tuple(d for d, r in self._par_departement if r == code_region)

    # (code_departement, code_region) de chaque département couvert, pour departements_de
    _par_departement: tuple[tuple[str, str], ...] = ()


NATIONALE_VIDE = Couverture(True, (), (), ())


def couverture(jeu: JeuDeDonnees) -> Couverture:
    """Le périmètre du jeu (calculé une fois par jeu)."""
    return jeu.cache("couverture_du_jeu", 1).lire("couverture", lambda: _calculer(jeu))


def _calculer(jeu: JeuDeDonnees) -> Couverture:
    deps = jeu.sql("SELECT code_departement, code_region FROM departements_du_jeu() "
                   "ORDER BY code_region, code_departement")
    national = bool(jeu.sql("SELECT jeu_national() AS n")["n"][0])
    par_departement = tuple(zip(deps["code_departement"].to_list(), deps["code_region"].to_list()))
    regions = tuple(sorted(set(deps["code_region"].to_list())))
    tous = jeu.sql("SELECT code_departement, code_region FROM ref_departements")
    attendus: dict[str, set[str]] = {}
    for d, r in tous.iter_rows():
        attendus.setdefault(r, set()).add(d)
    couverts = {d for d, _ in par_departement}
    completes = tuple(r for r in regions if attendus.get(r, set()) <= couverts)
    return Couverture(national=national, regions=regions,
                      departements=tuple(sorted(couverts)), regions_completes=completes,
                      _par_departement=par_departement)
