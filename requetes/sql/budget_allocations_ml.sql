-- Moyens de chaque ML pour une année ($annee), rattachés à leur département et à leur région.
-- $code_region : NULL pour toute la France, sinon les seules ML de cette région.
-- Les lignes dont le code ML est inconnu de missions_locales, ou dont le département est inconnu du
-- référentiel, sont gardées avec un drapeau (au niveau national) : leur montant compte dans les totaux
-- et apparaît dans les anomalies, il n'est jamais perdu en route.
SELECT
    a.annee,
    a.code_ml,
    m.nom_ml,
    m.code_departement,
    d.nom_departement,
    d.code_region,
    r.nom_region,
    m.code_ml IS NULL AS ml_inconnue,
    (m.code_ml IS NOT NULL AND d.code_departement IS NULL) AS departement_inconnu,
    a.etp_affectes,
    a.etp_compenses,
    a.valorisation_etp_eur,
    a.subvention_compensatoire_eur,
    a.credits_financiers_eur,
    a.valorisation_etp_eur + a.subvention_compensatoire_eur + a.credits_financiers_eur AS part_eur,
    a.objectif_entrees_delegation
FROM allocations AS a
LEFT JOIN missions_locales AS m ON m.code_ml = a.code_ml
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
LEFT JOIN ref_regions AS r ON r.code_region = d.code_region
WHERE a.annee = $annee
  AND ($code_region IS NULL OR d.code_region = $code_region)
ORDER BY d.code_region NULLS LAST, m.code_departement NULLS LAST, a.code_ml
