-- Lieux d'accueil des ML avec leurs coordonnées ; absentes, le point de la commune du référentiel
-- (contrat, table sites_ml).
SELECT
    s.id_site,
    s.code_ml,
    m.nom_ml,
    s.type_site,
    s.code_commune,
    c.nom_commune,
    c.code_departement,
    c.code_region,
    coalesce(s.latitude, c.latitude) AS latitude,
    coalesce(s.longitude, c.longitude) AS longitude,
    (s.latitude IS NULL OR s.longitude IS NULL) AS position_commune
FROM sites_ml AS s
LEFT JOIN missions_locales AS m ON m.code_ml = s.code_ml
LEFT JOIN ref_communes AS c ON c.code_commune = s.code_commune
WHERE coalesce(s.latitude, c.latitude) IS NOT NULL
  AND coalesce(s.longitude, c.longitude) IS NOT NULL
ORDER BY s.id_site
