-- Vue nationale, point d'attention « ML sans accord en vigueur » à la date $date_reference.
-- Une ligne par Mission Locale (région du siège $code_region, ou toutes si NULL) :
--   en_vigueur  : au moins un accord signé dont la période couvre la date (début = date_debut, à
--                 défaut date_signature ; bornes absentes = ouvertes) ;
--   expire      : sans accord en vigueur, mais avec un accord échu, dénoncé, ou signé dont la date de
--                 fin est passée à la date de référence (accord non renouvelé) ;
--   en_cours    : sans accord en vigueur, avec un accord en négociation.
WITH etats AS (
    SELECT
        a.code_ml,
        bool_or(
            accord_en_vigueur(a.statut, debut_accord(a.date_debut, a.date_signature), a.date_fin,
                              $date_reference::DATE)
        ) AS en_vigueur,
        bool_or(
            a.statut IN ('echu', 'denonce')
            OR (a.statut = 'signe' AND a.date_fin IS NOT NULL AND a.date_fin < $date_reference::DATE)
        ) AS a_expire,
        bool_or(a.statut = 'en_negociation') AS en_negociation
    FROM accords AS a
    GROUP BY a.code_ml
)
SELECT
    m.code_ml,
    m.nom_ml,
    m.code_departement,
    d.code_region,
    coalesce(e.en_vigueur, false) AS en_vigueur,
    NOT coalesce(e.en_vigueur, false) AND coalesce(e.a_expire, false) AS expire,
    NOT coalesce(e.en_vigueur, false) AND coalesce(e.en_negociation, false) AS en_negociation
FROM missions_locales AS m
LEFT JOIN ref_departements AS d ON d.code_departement = m.code_departement
LEFT JOIN etats AS e ON e.code_ml = m.code_ml
WHERE ($code_region IS NULL OR d.code_region = $code_region)
ORDER BY m.code_ml
