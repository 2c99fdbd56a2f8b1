-- How much of the data the lexicons see: per axis, group and term (term NULL: the whole group),
-- the examples that contain it and its occurrences. Terms that never occur are listed with 0.
-- A lexicon cannot see proxy words (a hobby, a college, a name it lacks): low coverage means the
-- audit saw little, not that the model is clean.
--   example_rate   examples containing it / all explained examples
WITH occurrences AS (SELECT DISTINCT example_id, segment, axis, "group", term, match_start FROM term_words),
counts AS (
    SELECT axis, "group", term, count(DISTINCT example_id) AS examples, count(*) AS occurrences
    FROM occurrences GROUP BY axis, "group", term
),
group_counts AS (
    SELECT axis, "group", count(DISTINCT example_id) AS examples, count(*) AS occurrences
    FROM occurrences GROUP BY axis, "group"
),
rows AS (
    SELECT terms.axis, terms."group", terms.term,
           coalesce(counts.examples, 0) AS examples, coalesce(counts.occurrences, 0) AS occurrences
    FROM (SELECT DISTINCT axis, "group", term FROM terms) AS terms   -- a term two languages share is one row
    LEFT JOIN counts USING (axis, "group", term)
    UNION ALL
    SELECT groups.axis, groups."group", NULL,
           coalesce(group_counts.examples, 0), coalesce(group_counts.occurrences, 0)
    FROM (SELECT DISTINCT axis, "group" FROM terms) AS groups LEFT JOIN group_counts USING (axis, "group")
)
SELECT axis, "group", term, examples::INTEGER AS examples, occurrences::INTEGER AS occurrences,
       examples / nullif((SELECT count(*) FROM examples), 0) AS example_rate   -- NULL, not NaN, for a run of no examples
FROM rows
ORDER BY axis, "group", term NULLS FIRST;
