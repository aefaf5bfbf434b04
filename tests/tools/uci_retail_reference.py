#!/usr/bin/env python3
"""Reference figures for the Online Retail import test, computed independently of the importer.

Reads the UCI Online Retail CSV with the standard csv module and exact decimal arithmetic and prints
one JSON object:
  rows                      data rows (header excluded)
  customers                 distinct CustomerID values (as integers)
  invoices                  distinct InvoiceNo values
  revenue_known_customers   sum of Quantity * UnitPrice over rows with a CustomerID (cancellations
                            included, so refunds count negative), as a decimal string

Usage: uci_retail_reference.py PATH_TO_CSV
"""

import csv
import decimal
import json
import sys


def main(path):
    rows = 0
    customers = set()
    invoices = set()
    revenue = decimal.Decimal(0)
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows += 1
            invoices.add(row["InvoiceNo"])
            customer = row["CustomerID"].strip()
            if customer:
                customers.add(int(decimal.Decimal(customer)))
                revenue += decimal.Decimal(row["Quantity"]) * decimal.Decimal(row["UnitPrice"])
    print(json.dumps({
        "rows": rows,
        "customers": len(customers),
        "invoices": len(invoices),
        "revenue_known_customers": str(revenue),
    }))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: uci_retail_reference.py PATH_TO_CSV")
    main(sys.argv[1])
