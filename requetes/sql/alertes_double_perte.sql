-- Alerte 8 : « double perte » dans la délégation du PPAE (sens ft_vers_ml), l'année $annee.
-- Taux d'acceptation = acceptés / orientés ; taux d'entrée = entrés / acceptés (jeunes acceptés par
-- la ML qui entrent effectivement en accompagnement). Alerte si le taux d'acceptation est sous
-- $seuil_acceptation_pct ou le taux d'entrée sous $seuil_entree_pct (en pourcentage).
WITH flux AS (
    SELECT
        code_ml,
        sum(orientes)::DOUBLE AS orientes,
        sum(acceptes)::DOUBLE AS acceptes,
        sum(entres)::DOUBLE AS entres
    FROM orientations
    WHERE sens = 'ft_vers_ml' AND year(mois) = $annee
    GROUP BY code_ml
),
taux AS (
    SELECT
        *,
        ratio(acceptes, orientes, 100.0) AS taux_acceptation,
        ratio(entres, acceptes, 100.0) AS taux_entree
    FROM flux
)
SELECT
    m.code_ml AS code_objet,
    m.nom_ml AS nom_objet,
    m.code_departement,
    d.code_region,
    CASE
        WHEN t.taux_acceptation < $seuil_acceptation_pct AND t.taux_entree < $seuil_entree_pct THEN 'deux_taux'
        WHEN t.taux_acceptation < $seuil_acceptation_pct THEN 'acceptation'
        ELSE 'entree'
    END AS cas,
    least(coalesce(t.taux_acceptation, 100.0), coalesce(t.taux_entree, 100.0)) AS valeur,
    t.taux_acceptation,
    t.taux_entree,
    t.orientes,
    t.acceptes,
    t.entres
FROM taux AS t
JOIN missions_locales AS m ON m.code_ml = t.code_ml
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
WHERE t.taux_acceptation < $seuil_acceptation_pct OR t.taux_entree < $seuil_entree_pct
ORDER BY m.code_ml
