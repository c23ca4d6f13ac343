from __future__ import annotations

import json

import click

from ..schema import structure_text, to_json_schema, to_json_structure


@click.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["structure", "json-structure", "json-schema"]),
    default="structure",
    show_default=True,
)
def schema(fmt: str) -> None:
    """Print the Session schema: Clerk's structure as shipped, a JSON Structure
    core translation, or a JSON Schema 2020-12."""
    if fmt == "structure":
        click.echo(structure_text(), nl=False)
    elif fmt == "json-structure":
        click.echo(json.dumps(to_json_structure(), indent=2))
    else:
        click.echo(json.dumps(to_json_schema(), indent=2))
