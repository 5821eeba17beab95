from tests.attribution_fixtures import Attribution, options, touch, conversion, ad_click, deal_lost
from sqlalchemy import text

async def test_smoke(sessions):
    a = Attribution(sessions, options())
    credits = await a.journeys([
        touch("t1", "p1", 0, campaign="spring", source="google", medium="cpc"),
        touch("t2", "p1", 2, channel="email", campaign="news", source="newsletter", medium="email"),
        conversion("c1", "p1", 3),
        touch("t3", "p2", 1),
    ])
    print(len(credits))
    print(sorted({(c.model, str(c.weight)) for c in credits}))
    again = await a.journeys([touch("t1", "p1", 0, campaign="spring", source="google", medium="cpc")])
    assert again == []
    await a.raw([ad_click("m1", 1, campaign="spring", cost="1.50")])
    print(await a.job("refit"))
    print(len(await a.job("restate-fitted")))
    print(await a.job("null-paths"))
    print(await a.job("settings-walk"))
    async with sessions() as s:
        for t in ["credit_totals","fitted_counts","reach","ad_cost_totals","outcomes","persons","fits","credit_versions"]:
            n = (await s.execute(text(f"select count(*) from attribution.{t}"))).scalar()
            print(t, n)
