-- ML qui avaient des ETP affectés l'année précédant $annee et n'en ont plus en $annee
-- (relation devenue purement financière). $code_region : NULL pour toute la France.
SELECT
    a.code_ml,
    m.nom_ml,
    d.nom_departement,
    r.nom_region,
    p.etp_affectes AS etp_affectes_annee_precedente,
    a.etp_compenses,
    a.subvention_compensatoire_eur,
    a.credits_financiers_eur
FROM allocations AS a
JOIN allocations AS p ON p.code_ml = a.code_ml AND p.annee = a.annee - 1
LEFT JOIN missions_locales AS m ON m.code_ml = a.code_ml
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
LEFT JOIN ref_regions AS r ON r.code_region = d.code_region
WHERE a.annee = $annee
  AND p.etp_affectes > 0
  AND a.etp_affectes = 0
  AND ($code_region IS NULL OR d.code_region = $code_region)
ORDER BY r.nom_region NULLS LAST, m.nom_ml, a.code_ml
