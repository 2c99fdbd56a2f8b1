-- How many examples of each group of a sensitive column contain each word: the counts that proxy
-- discovery tests for association. Words of the audit's lexicons are left out (they are audited
-- as lexicon terms), and so are intersections of columns.
--   in_group    examples of the group that contain the word
--   examples    examples with a value in the column that contain the word
--   group_size  examples of the group;  total: examples with a value in the column
--   num_tokens  the word's most common length in tokens
-- param min_count INTEGER: words in fewer examples with a value in the column are left out (default 20)
WITH known AS (
    SELECT example_id, "column", "group" FROM sensitive_groups WHERE len(columns) = 1
),
lexicon AS (
    SELECT DISTINCT unnest(parts) AS norm FROM terms
    UNION
    SELECT array_to_string(parts, '') FROM terms
),
present AS (   -- each word once per example
    SELECT example_id, norm, min(num_tokens) AS num_tokens
    FROM words ANTI JOIN lexicon USING (norm)
    WHERE norm <> ''
    GROUP BY example_id, norm
),
counts AS (
    SELECT known."column", present.norm AS word, known."group", count(*) AS in_group
    FROM present JOIN known USING (example_id)
    GROUP BY ALL
),
word_totals AS (
    SELECT known."column", present.norm AS word, count(*) AS examples, mode(present.num_tokens) AS num_tokens
    FROM present JOIN known USING (example_id)
    GROUP BY ALL
    HAVING count(*) >= coalesce(getvariable('min_count'), 20)
),
group_sizes AS (
    SELECT "column", "group", count(*) AS group_size, sum(count(*)) OVER (PARTITION BY "column") AS total
    FROM known
    GROUP BY "column", "group"
)
SELECT word_totals."column", word_totals.word, group_sizes."group",
       coalesce(counts.in_group, 0) AS in_group, word_totals.examples, group_sizes.group_size,
       group_sizes.total, word_totals.num_tokens
FROM word_totals
JOIN group_sizes USING ("column")
LEFT JOIN counts USING ("column", word, "group")
ORDER BY ALL;
