import random
from tests.attribution_fixtures import Attribution, options
from tests.integration.test_attribution_restatement import Journeys, NOW, fix_fits, scratch
from tests.attribution_state import derived

async def test_debug(sessions, scratch):
    settings = options()
    stream, fresh = Attribution(sessions, settings, now=NOW), Attribution(scratch, settings, now=NOW)
    await fix_fits(sessions, stream.restater.lineup); await fix_fits(scratch, stream.restater.lineup)
    journeys = Journeys(random.Random(6))
    for _ in range(40):
        batch = []
        for _ in range(journeys.rng.randint(1, 6)):
            records, raw = journeys.step()
            journeys.remember(records)
            batch.extend(records)
            if raw:
                await stream.journeys(batch); await stream.raw(raw); batch = []
        await stream.journeys(batch)
    await fresh.raw(journeys.losses)
    await fresh.journeys(journeys.final())
    a, b = await derived(sessions), await derived(scratch)
    sa, sb = set(a["credits"]), set(b["credits"])
    for r in sorted(sa - sb, key=repr)[:6]: print("INC ", r)
    for r in sorted(sb - sa, key=repr)[:6]: print("SCR ", r)
