-- Alerte 4 : Missions Locales sans agent France Travail affecté l'année $annee
-- (etp_affectes <= $seuil_etp, ou aucune ligne d'allocation pour l'année).
SELECT
    m.code_ml AS code_objet,
    m.nom_ml AS nom_objet,
    m.code_departement,
    d.code_region,
    CASE WHEN a.code_ml IS NULL THEN 'sans_allocation' ELSE 'sans_agent' END AS cas,
    a.etp_affectes::DOUBLE AS valeur,
    a.etp_compenses::DOUBLE AS etp_compenses
FROM missions_locales AS m
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
LEFT JOIN allocations AS a ON a.code_ml = m.code_ml AND a.annee = $annee
WHERE a.code_ml IS NULL OR a.etp_affectes <= $seuil_etp
ORDER BY m.code_ml
