-- Tous les territoires d'une maille pour les alertes, y compris ceux où le jeu n'a aucune donnée
-- (un département sans ML est justement un trou de couverture), dans le périmètre du jeu : toutes les
-- régions et tous les départements pour un jeu national (jeu_national()), les régions et départements
-- couverts par ses ML sinon (departements_du_jeu()) ; le reste n'est pas dans le jeu.
-- $maille : 'nationale' | 'region' | 'departement' | 'ml'. Colonnes : code, nom, code_region.
SELECT 'FR' AS code, 'France' AS nom, CAST(NULL AS VARCHAR) AS code_region
WHERE $maille = 'nationale'
UNION ALL
SELECT r.code_region, r.nom_region, r.code_region
FROM ref_regions AS r
WHERE $maille = 'region'
  AND (jeu_national() OR r.code_region IN (SELECT code_region FROM departements_du_jeu()))
UNION ALL
SELECT d.code_departement, d.nom_departement, d.code_region
FROM ref_departements AS d
WHERE $maille = 'departement'
  AND (jeu_national() OR d.code_departement IN (SELECT code_departement FROM departements_du_jeu()))
UNION ALL
SELECT m.code_ml, m.nom_ml, d.code_region
FROM missions_locales AS m
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
WHERE $maille = 'ml'
ORDER BY code
