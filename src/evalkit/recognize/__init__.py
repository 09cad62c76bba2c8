"""Recognition: a Document's rows and paragraphs -> typed records (Extraction), by vocabulary.

vocabulary.py holds the words; indicator_table, budget, summary_table and key_value read one kind
of table each; statements.py reads prose; walker.py drives them; explain.py shows how it read."""
from evalkit.recognize.records import (Decision, Extraction, IndicatorRec, Kind, ProjectRec, ReportFields,
                                       State)
from evalkit.recognize.walker import recognize

__all__ = ["recognize", "Extraction", "ProjectRec", "IndicatorRec", "ReportFields", "Decision", "Kind", "State"]
