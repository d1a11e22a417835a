-- An article can carry analyses from several versions (a new model, a new prompt); the
-- marts read the most recent one, older ones stay in raw for comparison.
with

articles as (
    select * from {{ ref('stg_raw__articles') }}
),

analyses as (
    select * from {{ ref('stg_raw__article_analyses') }}
),

-- Joined before ranking, and ranked within the article's day as well as the article (an
-- article has one day, so the ranking is the same): an incremental mart's filter on
-- published_date then reaches the articles scan through the window function, and only the
-- window's articles have their analyses ranked, however long the history.
article_analyses as (
    select
        articles.article_id,
        articles.published_date,
        articles.published_at,
        articles.source,
        articles.sources,
        articles.title,
        articles.url,
        analyses.summary_sentence,
        analyses.summary_paragraph,
        analyses.overall_sentiment_score,
        analyses.overall_sentiment_label,
        analyses.tickers,
        analyses.analyzer,
        analyses.model,
        analyses.prompt_version,
        analyses.analysis_version,
        analyses.analyzed_at
    from articles
    inner join analyses on articles.article_id = analyses.article_id
),

final as (
    select *
    from article_analyses
    qualify row_number() over (
        partition by article_id, published_date
        order by analyzed_at desc, analysis_version asc
    ) = 1
)

select * from final
