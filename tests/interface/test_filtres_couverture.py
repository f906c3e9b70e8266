"""Le filtre région partagé suit le périmètre du jeu (interface.etat.options_region, sans Streamlit) : jeu
national inchangé (« France entière » puis les régions) ; jeu d'une région : cette région seule, par défaut ;
jeu de plusieurs régions : la zone (nommée) par défaut, puis ses régions ; jamais une région absente."""

from __future__ import annotations

from interface.etat import FRANCE, LIBELLE_FRANCE, options_region
from tests.presentation.test_couverture import BRETAGNE, FINISTERE, GUADELOUPE, NATIONAL, couverture

REGIONS = (("84", "Auvergne-Rhône-Alpes"), ("53", "Bretagne"), ("01", "Guadeloupe"), ("28", "Normandie"))


def test_national_inchange():
    for c in (None, NATIONAL):
        assert options_region(REGIONS, c) == (REGIONS, [FRANCE, "84", "53", "01", "28"], FRANCE, LIBELLE_FRANCE)


def test_une_region():
    assert options_region(REGIONS, BRETAGNE) == ((("53", "Bretagne"),), ["53"], "53", "Bretagne")
    assert options_region(REGIONS, GUADELOUPE) == ((("01", "Guadeloupe (département 971)"),), ["01"], "01",
                                                   "Guadeloupe (département 971)")
    assert options_region(REGIONS, FINISTERE)[0] == (("53", "Finistère (département 29)"),)


def test_plusieurs_regions():
    c = couverture(["22", "29", "35", "56", "14", "27", "50", "61", "76"])
    regions, options, defaut, libelle = options_region(REGIONS, c)
    assert options == [FRANCE, "53", "28"] and defaut == FRANCE and libelle == "Bretagne et Normandie"
    assert regions == (("53", "Bretagne"), ("28", "Normandie"))
