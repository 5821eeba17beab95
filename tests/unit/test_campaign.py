from services.collector.campaign import (
    campaign_from,
    click_ids_from,
    external_referrer,
    host_of,
    query_params,
)
from shared.events import Campaign

LANDING = (
    "https://shop.example/spring?utm_source=Newsletter&utm_medium=email"
    "&utm_campaign=spring_sale&utm_term=shoes&utm_content=hero&gclid=abc123&fbclid=fb1&x=1"
)


def test_utm_parameters_of_the_page_url_fill_segment_campaign_names() -> None:
    campaign = campaign_from(None, query_params(LANDING))
    assert campaign == Campaign(
        name="spring_sale", source="Newsletter", medium="email", term="shoes", content="hero"
    )


def test_context_campaign_wins_over_the_url_and_the_url_fills_the_gaps() -> None:
    campaign = campaign_from({"name": "from_sdk", "source": "sdk"}, query_params(LANDING))
    assert campaign.name == "from_sdk"
    assert campaign.source == "sdk"
    assert campaign.medium == "email"


def test_raw_utm_names_inside_context_campaign_are_understood() -> None:
    campaign = campaign_from({"utm_campaign": "raw", "utm_medium": "cpc"}, {})
    assert (campaign.name, campaign.medium) == ("raw", "cpc")


def test_click_ids_are_kept_by_their_parameter_name() -> None:
    assert click_ids_from(query_params(LANDING)) == {"gclid": "abc123", "fbclid": "fb1"}


def test_no_url_means_no_parameters() -> None:
    assert query_params(None) == {}
    assert campaign_from(None, {}).is_empty()


def test_host_drops_www_and_lowercases() -> None:
    assert host_of("https://WWW.Google.FR/search?q=x") == "google.fr"
    assert host_of("/relative/path") is None
    assert host_of(None) is None


def test_a_referrer_from_the_same_site_is_an_internal_hop() -> None:
    assert external_referrer("https://shop.example/cart", "https://shop.example/pay") is None
    assert external_referrer("https://www.bing.com/", "https://shop.example/") == "bing.com"
