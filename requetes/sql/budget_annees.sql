-- Années pour lesquelles le budget peut être montré : celles de l'enveloppe ou des allocations.
SELECT annee
FROM (SELECT annee FROM enveloppe UNION SELECT annee FROM allocations)
ORDER BY annee
