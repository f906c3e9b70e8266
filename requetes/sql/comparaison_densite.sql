-- Population municipale et superficie des territoires d'une maille, d'après le référentiel
-- géographique (densité = population ÷ superficie, pour les « territoires comparables »).
-- $maille : 'nationale' | 'region' | 'departement' | 'ml'.
-- À la maille ML, le territoire est celui de territoires_ml ; aux autres mailles, toutes les communes
-- du référentiel. Colonnes : code, population (habitants), superficie_km2, nb_communes.
SELECT
    a.code,
    sum(r.population)::DOUBLE AS population,
    sum(r.superficie_km2)::DOUBLE AS superficie_km2,
    count(*)::BIGINT AS nb_communes
FROM communes_des_territoires($maille) a
JOIN ref_communes r ON r.code_commune = a.code_commune
WHERE a.code IS NOT NULL
GROUP BY a.code
ORDER BY a.code
