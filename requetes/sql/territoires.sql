-- Territoires d'une maille : code, nom, code_region (région parente ; NULL à la maille nationale).
-- $maille : 'nationale' | 'region' | 'departement' | 'ml'.
SELECT 'FR' AS code, 'France' AS nom, CAST(NULL AS VARCHAR) AS code_region
WHERE $maille = 'nationale'
UNION ALL
SELECT r.code_region, r.nom_region, r.code_region
FROM ref_regions r
WHERE $maille = 'region'
  AND r.code_region IN (
      SELECT d.code_region FROM ref_departements d
      WHERE d.code_departement IN (SELECT code_departement FROM departements_presents)
  )
UNION ALL
SELECT d.code_departement, d.nom_departement, d.code_region
FROM ref_departements d
WHERE $maille = 'departement'
  AND d.code_departement IN (SELECT code_departement FROM departements_presents)
UNION ALL
SELECT code_ml, nom_ml, code_region
FROM ml_rattachement
WHERE $maille = 'ml'
ORDER BY code
