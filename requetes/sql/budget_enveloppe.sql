-- Paramètres nationaux de l'accord pour une année ($annee).
SELECT
    annee,
    enveloppe_totale_eur,
    valorisation_etp_eur,
    etp_nationaux,
    forfait_etp_eur,
    objectif_jeunes_delegation
FROM enveloppe
WHERE annee = $annee
