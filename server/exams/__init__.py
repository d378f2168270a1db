"""Exam sessions as data: frozen questions, participants, answers and results.  The live
engine (live/) drives sessions; scoring, results, item analysis and regrades live here."""
