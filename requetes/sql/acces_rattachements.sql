-- Rattachement des communes aux ML (territoires_ml), pour les polygones des ML sur la carte.
SELECT code_commune, code_ml
FROM territoires_ml
ORDER BY code_commune, code_ml
