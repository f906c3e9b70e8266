-- Page Accords locaux : identifiants des accords en vigueur à la date $date_reference (toutes les ML ;
-- la page restreint ensuite à la région). Règle du contrat : statut « signe » et date comprise entre
-- date_debut (à défaut date_signature) et date_fin, bornes incluses, borne absente = ouverte.
SELECT id_accord
FROM accords
WHERE statut = 'signe'
  AND (coalesce(date_debut, date_signature) IS NULL
       OR coalesce(date_debut, date_signature) <= $date_reference::DATE)
  AND (date_fin IS NULL OR date_fin >= $date_reference::DATE)
ORDER BY id_accord
