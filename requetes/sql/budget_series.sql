-- Agents affectés et subventions au fil des années, pour la France entière (maille 'nationale')
-- et pour chaque région (maille 'region').
-- Une ML « a perdu son agent » une année donnée si elle avait des ETP affectés l'année précédente
-- et n'en a plus cette année ; « garde son agent » si elle en avait et en a encore.
-- La première année des allocations, ces deux comptes sont NULL (pas d'année précédente connue).
WITH ml AS (
    SELECT
        a.annee,
        a.code_ml,
        d.code_region,
        r.nom_region,
        a.etp_affectes,
        a.etp_compenses,
        a.valorisation_etp_eur,
        a.subvention_compensatoire_eur,
        a.credits_financiers_eur,
        p.etp_affectes AS etp_affectes_precedents,
        EXISTS (SELECT 1 FROM allocations AS x WHERE x.annee = a.annee - 1) AS annee_precedente_connue
    FROM allocations AS a
    LEFT JOIN allocations AS p ON p.code_ml = a.code_ml AND p.annee = a.annee - 1
    LEFT JOIN missions_locales AS m ON m.code_ml = a.code_ml
    LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
    LEFT JOIN ref_regions AS r ON r.code_region = d.code_region
)
SELECT
    CASE WHEN GROUPING(code_region) = 1 THEN 'nationale' ELSE 'region' END AS maille,
    annee,
    code_region,
    nom_region,
    SUM(etp_affectes) AS etp_affectes,
    SUM(etp_compenses) AS etp_compenses,
    SUM(valorisation_etp_eur) AS valorisation_etp_eur,
    SUM(subvention_compensatoire_eur) AS subvention_compensatoire_eur,
    SUM(credits_financiers_eur) AS credits_financiers_eur,
    COUNT(*) AS nb_ml,
    COUNT(*) FILTER (WHERE etp_affectes > 0) AS nb_ml_avec_agent,
    CASE WHEN BOOL_AND(annee_precedente_connue) THEN
        COUNT(*) FILTER (WHERE COALESCE(etp_affectes_precedents, 0) > 0 AND etp_affectes = 0)
    END AS nb_ml_ayant_perdu_agent,
    CASE WHEN BOOL_AND(annee_precedente_connue) THEN
        COUNT(*) FILTER (WHERE COALESCE(etp_affectes_precedents, 0) > 0)
    END AS nb_ml_avec_agent_annee_precedente,
    CASE WHEN BOOL_AND(annee_precedente_connue) THEN
        COUNT(*) FILTER (WHERE COALESCE(etp_affectes_precedents, 0) > 0 AND etp_affectes > 0)
    END AS nb_ml_gardant_agent
FROM ml
GROUP BY GROUPING SETS ((annee), (annee, code_region, nom_region))
ORDER BY maille, annee, code_region NULLS LAST
