-- An article can carry analyses from several versions (a new model, a new prompt); the
-- marts read the most recent one, older ones stay in raw for comparison.
with

articles as (
    select * from {{ ref('stg_raw__articles') }}
),

analyses as (
    select * from {{ ref('stg_raw__article_analyses') }}
),

latest_analysis as (
    select *
    from analyses
    qualify row_number() over (
        partition by article_id
        order by analyzed_at desc, analysis_version
    ) = 1
),

final as (
    select
        articles.article_id,
        articles.published_date,
        articles.published_at,
        articles.source,
        articles.sources,
        articles.title,
        articles.url,
        latest_analysis.summary_sentence,
        latest_analysis.summary_paragraph,
        latest_analysis.overall_sentiment_score,
        latest_analysis.overall_sentiment_label,
        latest_analysis.tickers,
        latest_analysis.analyzer,
        latest_analysis.model,
        latest_analysis.prompt_version,
        latest_analysis.analysis_version,
        latest_analysis.analyzed_at
    from articles
    inner join latest_analysis on articles.article_id = latest_analysis.article_id
)

select * from final
