-- Agences France Travail avec leurs coordonnées ; absentes, le point de la commune du référentiel.
SELECT
    a.code_agence,
    a.nom_agence,
    a.code_commune,
    c.nom_commune,
    c.code_departement,
    c.code_region,
    coalesce(a.latitude, c.latitude) AS latitude,
    coalesce(a.longitude, c.longitude) AS longitude,
    (a.latitude IS NULL OR a.longitude IS NULL) AS position_commune
FROM agences AS a
LEFT JOIN ref_communes AS c ON c.code_commune = a.code_commune
WHERE coalesce(a.latitude, c.latitude) IS NOT NULL
  AND coalesce(a.longitude, c.longitude) IS NOT NULL
ORDER BY a.code_agence
