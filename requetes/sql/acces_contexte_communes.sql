-- Communes d'un département ($code_departement, référentiel) ou du territoire d'une ML ($code_ml,
-- territoires_ml), avec leur contexte de l'année $annee (NULL si absent) et leurs ML de rattachement.
-- Un seul des deux filtres est renseigné, l'autre vaut NULL.
WITH rattachements AS (
    SELECT
        r.code_commune,
        r.codes_ml,
        list_sort(list(DISTINCT coalesce(m.nom_ml, t.code_ml))) AS noms_ml
    FROM couverture_communes() AS r
    JOIN territoires_ml AS t ON t.code_commune = r.code_commune
    LEFT JOIN missions_locales AS m ON m.code_ml = t.code_ml
    GROUP BY ALL
),
contexte_annee AS (
    SELECT code AS code_commune, population_16_25, jeunes_neet, demandeurs_emploi_moins_26
    FROM contexte_des_territoires('commune')
    WHERE annee = $annee
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
        SELECT code_commune FROM communes_des_territoires('ml') WHERE code = $code_ml))
ORDER BY c.code_commune
