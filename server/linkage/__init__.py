"""区街联动 (district–street linkage): the district committee hands tasks to street offices, each street
organises inspections with deputies, collects opinions and suggestions, and reports back for review."""
