-- For each sensitive column, the words whose share of relevance differs most between its groups.
--   column          the sensitive column (dataset.sensitive_columns), or two joined by ' & ' (their intersection)
--   word            the word's norm (lower-cased, punctuation removed; punctuation-only words left out)
--   examples        examples of the compared groups that contain the word
--   groups          groups compared: those with at least min_examples examples
--   high_group      the group whose examples put the largest mean share of |relevance| on the word
--   high_share      that mean share, over all the group's examples (0 for one without the word)
--   high_examples   how many of the group's examples contain the word
--   low_group, low_share, low_examples   the same for the smallest mean share
--   gap             high_share - low_share
-- Examples whose relevance is all zero are not counted. A run without sensitive columns, or a column
-- with fewer than two groups of min_examples examples, has no rows.
-- param column VARCHAR: one column, such as gender, or an intersection, such as 'gender & race' (default: every column)
-- param min_examples INTEGER: the fewest examples a group needs to be compared, and a word to be ranked (default 10)
-- param limit INTEGER: how many words per column (default 20)
WITH members AS (   -- each counted example of each column, with its group
    SELECT DISTINCT sensitive_groups.example_id, sensitive_groups."column", sensitive_groups."group",
           example_totals.total_abs
    FROM sensitive_groups
    JOIN example_totals USING (example_id)
    WHERE example_totals.total_abs > 0
      AND (getvariable('column') IS NULL OR sensitive_groups."column" = getvariable('column'))
),
sizes AS (   -- the groups compared
    SELECT "column", "group", count(*) AS group_examples
    FROM members
    GROUP BY ALL
    HAVING count(*) >= coalesce(getvariable('min_examples'), 10)
),
columns AS (
    SELECT "column" FROM sizes GROUP BY "column" HAVING count(*) >= 2
),
compared AS (
    SELECT members.* FROM members SEMI JOIN sizes USING ("column", "group") SEMI JOIN columns USING ("column")
),
word_abs AS (   -- per example and word: |relevance| on the word's occurrences, each example once
    SELECT example_id, norm, sum(abs_relevance) AS abs_relevance
    FROM words
    WHERE norm <> '' AND example_id IN (SELECT example_id FROM compared)
    GROUP BY example_id, norm
),
per_group AS (   -- the mean over all the group's examples is the sum over those with the word / the group's size
    SELECT compared."column", compared."group", word_abs.norm AS word,
           sum(word_abs.abs_relevance / compared.total_abs) AS share_sum,
           count(*) AS examples
    FROM word_abs JOIN compared USING (example_id)
    GROUP BY ALL
),
ranked_words AS (
    SELECT "column", word, sum(examples) AS examples
    FROM per_group
    GROUP BY ALL
    HAVING sum(examples) >= coalesce(getvariable('min_examples'), 10)
),
shares AS (   -- every compared group of the column for every ranked word: 0 where no example has it
    SELECT ranked_words."column", ranked_words.word, ranked_words.examples, sizes."group",
           coalesce(per_group.share_sum, 0) / sizes.group_examples AS share,
           coalesce(per_group.examples, 0) AS group_examples
    FROM ranked_words
    JOIN sizes USING ("column")
    LEFT JOIN per_group USING ("column", word, "group")
),
gaps AS (
    SELECT "column", word,
           any_value(examples)::INTEGER AS examples,
           count(*)::INTEGER AS groups,
           first("group" ORDER BY share DESC, "group") AS high_group,
           max(share) AS high_share,
           first(group_examples ORDER BY share DESC, "group")::INTEGER AS high_examples,
           first("group" ORDER BY share, "group" DESC) AS low_group,
           min(share) AS low_share,
           first(group_examples ORDER BY share, "group" DESC)::INTEGER AS low_examples,
           max(share) - min(share) AS gap
    FROM shares
    GROUP BY "column", word
)
SELECT *
FROM gaps
QUALIFY row_number() OVER (PARTITION BY "column" ORDER BY gap DESC, word) <= coalesce(getvariable('limit'), 20)
ORDER BY "column", gap DESC, word;
