-- Paramètres nationaux de l'accord pour quelques années ($annees : liste d'entiers).
SELECT
    annee::BIGINT AS annee,
    enveloppe_totale_eur,
    valorisation_etp_eur,
    etp_nationaux,
    forfait_etp_eur,
    objectif_jeunes_delegation::DOUBLE AS objectif_jeunes_delegation
FROM enveloppe
WHERE list_contains($annees::BIGINT[], annee::BIGINT)
ORDER BY annee
