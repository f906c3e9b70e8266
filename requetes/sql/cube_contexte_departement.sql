-- Contexte territorial agrégé par département selon le référentiel géographique (toutes les communes
-- du département, couvertes ou non par une ML ; règle contexte_des_territoires de regles/territoires.sql).
-- Une ligne par (annee, code_departement), une colonne par mesure.
SELECT * RENAME (code AS code_departement) FROM contexte_des_territoires('departement')
