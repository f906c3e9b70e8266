-- Contexte territorial agrégé par Mission Locale : communes de son territoire (territoires_ml ; règle
-- contexte_des_territoires de regles/territoires.sql). Une ligne par (annee, code_ml), une colonne par
-- mesure. Une commune hors de tout territoire de ML n'y entre pas.
SELECT * RENAME (code AS code_ml) FROM contexte_des_territoires('ml')
