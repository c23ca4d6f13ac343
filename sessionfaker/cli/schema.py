from __future__ import annotations

import json

import click

from ..rules import to_json_schema_with_rules
from ..schema import structure_text, to_json_schema, to_json_structure
from ..sinks.db.dialects import create_table_sql
from .common import dialect_option, errors, table_option


@click.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["structure", "json-structure", "json-schema", "json-schema-rules", "sql"]),
    default="structure",
    show_default=True,
    help="What to print: Clerk's structure, its JSON Structure translation, a JSON Schema "
    "(structure only, or with the rules it can express), or the CREATE TABLE of seed.",
)
@dialect_option
@table_option("Table name (sql format).")
def schema(fmt: str, dialect: str, table: str) -> None:
    """Print the Session schema: Clerk's structure as shipped, a JSON Structure
    core translation, a JSON Schema 2020-12 (exactly the structural rules, or
    with every rule JSON Schema can express), or the SQL table seed creates."""
    if fmt == "sql":
        with errors():
            click.echo(create_table_sql(table, dialect), nl=False)
    elif fmt == "structure":
        click.echo(structure_text(), nl=False)
    elif fmt == "json-structure":
        click.echo(json.dumps(to_json_structure(), indent=2))
    elif fmt == "json-schema-rules":
        click.echo(json.dumps(to_json_schema_with_rules(), indent=2))
    else:
        click.echo(json.dumps(to_json_schema(), indent=2))
