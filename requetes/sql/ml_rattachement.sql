-- Rattachement de chaque ML à son département et à sa région, par le siège.
SELECT
    m.code_ml,
    m.nom_ml,
    m.code_departement,
    d.code_region,
    r.nom_region
FROM missions_locales m
LEFT JOIN ref_departements d ON d.code_departement = m.code_departement
LEFT JOIN ref_regions r ON r.code_region = d.code_region
