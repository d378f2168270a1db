"""The question bank: banks of true/false, single- and multiple-choice questions, their import
from the exam office's documents (and GIFT, Aiken, XLSX/CSV), editing with versions, and export."""
