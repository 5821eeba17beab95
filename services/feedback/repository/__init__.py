"""All SQL of the feedback service, by concern: ``people`` (identities, persons, the journeys
copies), ``responses``, ``cases`` (state, history), ``reads`` (the case API's queue view),
``counts`` (the maintained aggregates and the reports over them). Every read of the consumer
loads a whole batch's keys in one statement (``IN (SELECT unnest($1))``, see ``sql.any_of``);
every write is one bulk statement per table."""
