-- The views every query builds on, over a run's Parquet files read in place.
--
-- From the DuckDB command line, inside the repository:
--   SET VARIABLE run_dir = 'runs/scan-0123456789ab';
--   CREATE VIEW terms AS FROM read_parquet(getvariable('run_dir') || '/terms.parquet');  -- written by lrp-audit audit
--   CREATE VIEW example_languages AS FROM read_parquet(getvariable('run_dir') || '/languages.parquet');  -- likewise
--   .read queries/views.sql
-- From Python, audits.connect(run_dir) does all of this (and registers the lexicon as terms, and
-- each example's language as example_languages).

CREATE OR REPLACE VIEW tokens AS FROM read_parquet(getvariable('run_dir') || '/tokens/*.parquet');
-- `sensitive` holds the dataset's sensitive columns (dataset.sensitive_columns); runs scanned before
-- them get it as NULL.
CREATE OR REPLACE VIEW examples AS
FROM read_parquet(getvariable('run_dir') || '/examples/*.parquet')
UNION ALL BY NAME
SELECT NULL::MAP(VARCHAR, VARCHAR) AS sensitive WHERE false;
CREATE OR REPLACE VIEW errors AS FROM read_parquet(getvariable('run_dir') || '/errors/*.parquet');

-- One row per word of each text, as the scan wrote it: the tokeniser's words with their subwords
-- merged and relevance summed (special and prompt-template tokens belong to no word). `word` is the
-- text it covers; `norm` is that text in Unicode's composed form (NFC), lower-cased, with punctuation,
-- symbols and spaces removed ('' for a punctuation-only word): lexicon terms are matched against `norm`.
CREATE OR REPLACE VIEW words AS
SELECT *,
       regexp_replace(lower(nfc_normalize(word)), '[\pP\pS\pZ\s\x0b\x1c-\x1f\x85]+', '', 'g') AS norm,  -- \x..: whitespace RE2's \s lacks
       abs(relevance) AS abs_relevance
FROM read_parquet(getvariable('run_dir') || '/words/*.parquet');

-- One row per word that is part of a lexicon term occurring in a text, matched with the lexicons of
-- the text's language (example_languages). A term of n words matches
-- n consecutive words (punctuation-only words in between are skipped: "sister-in-law" matches
-- "sister in law"), or one word that is its words run together (when the tokeniser kept
-- "sister-in-law" as one word, its norm is "sisterinlaw"). Within an axis the longest match wins:
-- "african american" is not also
-- "american". `match_start` numbers the occurrence within its text. The word's own columns
-- (tokens, span, relevance) come along. In French and Italian a word that starts with an elided
-- article or pronoun ("l'infirmière", "dell'attrice": tokenisers that split only at spaces keep it
-- whole) is matched without it.
CREATE OR REPLACE VIEW term_words AS
WITH parts AS (
    SELECT language, axis, "group", term, num_words, unnest(parts) AS part, generate_subscripts(parts, 1) AS part_number
    FROM terms
    UNION ALL   -- a multi-word term as one word: tokenisers that split only at spaces keep "sister-in-law" whole
    SELECT language, axis, "group", term, 1, array_to_string(parts, ''), 1 FROM terms WHERE num_words > 1
),
keyed AS (
    SELECT words.*, example_languages.language,
           CASE WHEN example_languages.language IN ('fr', 'it') AND regexp_matches(words.word, '^\pL{1,5}[''’]\pL')
                THEN regexp_replace(regexp_replace(lower(nfc_normalize(words.word)), '^\pL{1,5}[''’]', ''),
                                    '[\pP\pS\pZ\s\x0b\x1c-\x1f\x85]+', '', 'g')
                ELSE words.norm END AS key
    FROM words JOIN example_languages USING (example_id)
),
part_hits AS (
    SELECT keyed.example_id, keyed.segment, keyed.word_index, keyed.num_tokens, keyed.char_start, keyed.char_end,
           keyed.relevance, keyed.abs_relevance, parts.*
    FROM keyed JOIN parts ON keyed.key = parts.part AND keyed.language = parts.language
),
-- Texts holding every word of some multi-word term: only these need their words numbered.
multi AS (
    SELECT DISTINCT example_id, segment
    FROM part_hits
    WHERE num_words > 1
    GROUP BY example_id, segment, axis, term, num_words
    HAVING count(DISTINCT part_number) = num_words
),
numbered AS (
    SELECT words.example_id, words.segment, words.word_index,
           row_number() OVER (PARTITION BY words.example_id, words.segment ORDER BY words.word_index) AS word_number
    FROM words SEMI JOIN multi USING (example_id, segment)
    WHERE words.norm <> ''
),
hits AS (
    SELECT * EXCLUDE (part, part_number), word_index AS match_start
    FROM part_hits
    WHERE num_words = 1
    UNION ALL
    SELECT part_hits.* EXCLUDE (part, part_number), numbered.word_number - part_hits.part_number AS match_start
    FROM part_hits JOIN numbered USING (example_id, segment, word_index)
    WHERE part_hits.num_words > 1
    QUALIFY count(*) OVER (PARTITION BY part_hits.example_id, part_hits.segment, part_hits.axis, part_hits.term,
                                        match_start) = part_hits.num_words
),
longest AS (
    SELECT *, max(num_words) OVER (PARTITION BY example_id, segment, word_index, axis) AS longest FROM hits
)
SELECT example_id, segment, word_index, num_tokens, char_start, char_end, relevance, abs_relevance,
       language, axis, "group", term, match_start
FROM longest
QUALIFY bool_and(num_words = longest) OVER (PARTITION BY example_id, segment, axis, term, match_start);

-- One row per occurrence of a term in a text: its character span, the relevance of its words
-- summed, and their |relevance| summed word by word (as in every share).
CREATE OR REPLACE VIEW matches AS
SELECT example_id, segment, language, axis, "group", term,
       min(char_start) AS char_start,
       max(char_end) AS char_end,
       count(*)::INTEGER AS num_words,
       sum(num_tokens)::INTEGER AS num_tokens,
       sum(relevance) AS relevance,
       sum(abs_relevance) AS abs_relevance
FROM term_words
GROUP BY example_id, segment, language, axis, "group", term, match_start;

-- Per example: |relevance| and tokens over all its words, the denominators of every share.
CREATE OR REPLACE VIEW example_totals AS
SELECT example_id,
       sum(abs_relevance) AS total_abs,
       sum(num_tokens)::INTEGER AS total_tokens,
       count(*) FILTER (WHERE norm <> '')::INTEGER AS content_words,
       max(abs_relevance) FILTER (WHERE norm <> '') AS top1_abs
FROM words
GROUP BY example_id;

-- One row per example and sensitive column with a value (dataset.sensitive_columns: columns of the
-- dataset the model never saw), and per example and pair of such columns (their intersection,
-- `column` 'gender & race', `group` 'female & black'): the groups the audit compares.
CREATE OR REPLACE VIEW sensitive_groups AS
WITH single AS (
    SELECT example_id, entry.key AS "column", entry.value AS "group"
    FROM (SELECT example_id, unnest(map_entries(sensitive)) AS entry FROM examples)
    WHERE entry.value IS NOT NULL
)
SELECT example_id, "column", "group", [ "column" ] AS columns FROM single
UNION ALL
SELECT a.example_id, a."column" || ' & ' || b."column", a."group" || ' & ' || b."group", [a."column", b."column"]
FROM single AS a JOIN single AS b ON a.example_id = b.example_id AND a."column" < b."column";
