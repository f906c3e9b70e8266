-- Départements où le jeu a quelque chose à montrer : siège d'une ML, commune d'un territoire de ML
-- ou commune du contexte territorial.
SELECT DISTINCT code_departement
FROM (
    SELECT code_departement FROM ml_rattachement
    UNION ALL
    SELECT r.code_departement FROM territoires_ml t JOIN ref_communes r ON r.code_commune = t.code_commune
    UNION ALL
    SELECT code_departement FROM cube_contexte_departement
)
WHERE code_departement IS NOT NULL
