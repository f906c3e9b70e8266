"""Textes de la page d'accueil (Vue nationale), composés à partir des chiffres calculés par
``requetes.vue_nationale`` (sans Streamlit : testés à part). La page et le dossier de séance
(``rapports``) écrivent ainsi le même rapprochement, mot pour mot."""

from __future__ import annotations

from presentation import format as fmt


def texte_ecart_valorisation(chiffres: dict) -> str | None:
    """« 325 ETP × 45 000 € = 14 625 000 €, soit 0,125 M€ de plus que la valorisation annoncée
    (14,5 M€). » — l'écart n'est jamais arrondi à zéro : il est donné au millier d'euros près, en M€
    au-delà du million, à l'euro sinon. ``None`` si un des chiffres manque."""
    etp = chiffres.get("etp_prevus")
    forfait = chiffres.get("forfait_etp")
    calcule = chiffres.get("valorisation_forfaitaire")
    annonce = chiffres.get("valorisation_etp_nationale")
    ecart = chiffres.get("ecart_valorisation")
    if any(c is None or fmt.absent(c.valeur) for c in (etp, forfait, calcule, annonce, ecart)):
        return None
    debut = (f"{fmt.format_valeur(etp.valeur, 'ETP')} × {fmt.euros(forfait.valeur)} = "
             f"**{fmt.euros(calcule.valeur, echelle='unite')}**")
    if ecart.valeur == 0:
        return f"{debut}, égal à la valorisation annoncée ({fmt.euros(annonce.valeur, precis=True)})."
    echelle = "M" if abs(annonce.valeur) >= 1e6 else "unite"
    montant = fmt.euros(abs(ecart.valeur), 3 if echelle == "M" else 0, echelle=echelle)
    sens = "de plus" if ecart.valeur > 0 else "de moins"
    return (f"{debut}, soit **{montant} {sens}** que la valorisation annoncée "
            f"({fmt.euros(annonce.valeur, precis=True)}).")


def texte_etp(chiffres: dict) -> str | None:
    """« sur 325 ETP prévus (96,2 %) »."""
    affectes = chiffres.get("etp_affectes")
    prevus = chiffres.get("etp_prevus")
    if affectes is None or prevus is None or fmt.absent(affectes.valeur) or fmt.absent(prevus.valeur) or not prevus.valeur:
        return None
    part = 100.0 * affectes.valeur / prevus.valeur
    return f"sur {fmt.format_valeur(prevus.valeur, 'ETP')} prévus ({fmt.pourcentage(part)})"


def texte_objectif(chiffres: dict, national: bool, region_choisie: bool = True) -> str | None:
    """« objectif national : 150 000 jeunes », « objectif des ML de la région : 12 000 jeunes », ou, pour tout
    un jeu partiel sans région choisie, « objectif des ML de la zone couverte : … »."""
    c = chiffres.get("objectif_national" if national else "objectif_entrees")
    if c is None or fmt.absent(c.valeur):
        return None
    qui = "national" if national else "des ML de la région" if region_choisie else "des ML de la zone couverte"
    return f"objectif {qui} : {fmt.format_valeur(c.valeur, 'jeunes')}"
