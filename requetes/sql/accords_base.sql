-- Accords signés, réduits à ce qu'il faut pour dire s'ils sont en vigueur et ce qu'ils contiennent.
-- Petite table gardée en mémoire (évite de relire le fichier, qui contient une colonne de listes).
-- Un accord est en vigueur à une date s'il est signé et que la date est entre debut (date_debut, à défaut
-- date_signature) et date_fin ; une borne absente est ouverte.
SELECT
    code_ml,
    statut,
    debut_accord(date_debut, date_signature) AS debut,
    date_fin AS fin,
    CASE WHEN coalesce(diagnostic_partage, FALSE) AND coalesce(criteres_orientation, FALSE)
              AND coalesce(plan_actions, FALSE) THEN 1 ELSE 0 END AS socle,
    CASE WHEN coalesce(comite_pilotage, FALSE) THEN 1 ELSE 0 END AS comite_pilotage,
    CASE WHEN coalesce(implication_president, FALSE) THEN 1 ELSE 0 END AS implication_president,
    CASE WHEN coalesce(participation_jeunes, 0) >= 2 THEN 1 ELSE 0 END AS participation_jeunes
FROM accords
WHERE statut = 'signe'
