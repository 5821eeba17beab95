"""All SQL of the feedback service, by concern: ``people`` (identities, persons, the journeys
copies), ``responses``, ``cases`` (state, history, the queue), ``counts`` (the maintained
aggregates and the reports over them). Every read of the consumer loads a whole batch's keys in
one statement (``= ANY``); every write is one bulk statement per table."""
