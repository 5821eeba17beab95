from datetime import timedelta
from itertools import permutations

from services.sessionizer.identity import IdentityNode, person_id_of, resolve
from tests.factories import T0


def at(minute: int):  # type: ignore[no-untyped-def]
    return T0 + timedelta(minutes=minute)


def apply(links: list[tuple[list[str], int]]) -> dict[str, str]:
    """Applies identifier links one after the other, as the sessionizer does."""
    graph: dict[str, IdentityNode] = {}
    for identifiers, minute in links:
        persons = {graph[i].person_id for i in identifiers if i in graph}
        component = [node for node in graph.values() if node.person_id in persons]
        result = resolve(component, identifiers, at(minute))
        for node in result.changed:
            graph[node.identifier] = node
        for node in list(graph.values()):
            if node.person_id in result.absorbed:
                graph[node.identifier] = IdentityNode(
                    node.identifier, result.person_id, node.first_seen_at
                )
    return {identifier: node.person_id for identifier, node in graph.items()}


def test_a_new_identifier_is_a_new_person() -> None:
    result = resolve([], ["anon-1"], at(0))
    assert result.person_id == person_id_of("anon-1")
    assert result.absorbed == frozenset()


def test_login_joins_the_device_to_the_user_under_the_older_id() -> None:
    graph = apply([(["anon-1"], 0), (["user-1", "anon-1"], 5)])
    assert graph == {"anon-1": person_id_of("anon-1"), "user-1": person_id_of("anon-1")}


def test_merging_two_people_keeps_the_oldest_and_says_who_was_absorbed() -> None:
    device = IdentityNode("anon-2", person_id_of("anon-2"), at(10))
    user = IdentityNode("user-1", person_id_of("user-1"), at(0))
    result = resolve([device, user], ["anon-2", "user-1"], at(20))
    assert result.person_id == person_id_of("user-1")
    assert result.absorbed == frozenset({person_id_of("anon-2")})


def test_the_graph_is_the_same_whatever_order_the_links_arrive_in() -> None:
    links = [
        (["anon-1"], 3),
        (["anon-1", "user-1"], 7),
        (["anon-2", "user-1"], 9),
        (["email:abc", "anon-2"], 1),
    ]
    results = {tuple(sorted(apply(list(order)).items())) for order in permutations(links)}
    assert len(results) == 1
    [graph] = results
    # email:abc and anon-2 were both first seen at minute 1: the tie goes to the smaller id.
    assert {person for _, person in graph} == {person_id_of("anon-2")}
