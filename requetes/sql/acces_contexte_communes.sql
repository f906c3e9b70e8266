-- Communes d'un département ($code_departement, référentiel) ou du territoire d'une ML ($code_ml,
-- territoires_ml), avec leur contexte de l'année $annee (NULL si absent) et leurs ML de rattachement.
-- Un seul des deux filtres est renseigné, l'autre vaut NULL.
WITH rattachements AS (
    SELECT
        t.code_commune,
        list_sort(list(DISTINCT t.code_ml)) AS codes_ml,
        list_sort(list(DISTINCT coalesce(m.nom_ml, t.code_ml))) AS noms_ml
    FROM territoires_ml AS t
    LEFT JOIN missions_locales AS m ON m.code_ml = t.code_ml
    GROUP BY t.code_commune
),
contexte_annee AS (
    SELECT
        code_commune,
        sum(population_16_25) AS population_16_25,
        sum(jeunes_neet) AS jeunes_neet,
        sum(demandeurs_emploi_moins_26) AS demandeurs_emploi_moins_26
    FROM contexte
    WHERE annee = $annee
    GROUP BY code_commune
)
SELECT
    c.code_commune,
    c.nom_commune,
    c.code_departement,
    c.code_region,
    coalesce(r.codes_ml, []::VARCHAR[]) AS codes_ml,
    coalesce(r.noms_ml, []::VARCHAR[]) AS noms_ml,
    c.latitude,
    c.longitude,
    x.population_16_25::BIGINT AS population_16_25,
    x.jeunes_neet::BIGINT AS jeunes_neet,
    x.demandeurs_emploi_moins_26::BIGINT AS demandeurs_emploi_moins_26
FROM ref_communes AS c
LEFT JOIN rattachements AS r ON r.code_commune = c.code_commune
LEFT JOIN contexte_annee AS x ON x.code_commune = c.code_commune
WHERE ($code_departement IS NOT NULL AND c.code_departement = $code_departement)
   OR ($code_ml IS NOT NULL AND c.code_commune IN (
        SELECT code_commune FROM territoires_ml WHERE code_ml = $code_ml))
ORDER BY c.code_commune
