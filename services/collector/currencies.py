"""ISO 4217 currency codes in use: what a ``currency`` property may say. Data only.

The alphabetic codes of ISO 4217 Table A.1 ("current currency & funds"), as published by SIX
(the maintenance agency, list-one.xml) and consolidated in the datasets/currency-codes data
package (data/codes-all.csv, rows without a withdrawal date), snapshot of 2026-02-01: 178
codes. It includes the funds and special codes of that table (XAU, XDR, XTS, XXX…) and leaves
out withdrawn ones (BGN since Bulgaria adopted the euro on 2026-01-01, ANG replaced by XCG,
CUC). When ISO amends the table, update this set and the date above.

Two codes of the table name no money an amount can be in: XXX ("no currency involved") and XTS
(reserved for testing). They are not accepted as the currency of an amount (``MONEY_CODES``).
"""

from __future__ import annotations

_TABLE_A1 = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
    MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD
    SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
    USD USN UYI UYU UYW UZS VED VES VND VUV WST XAD XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD
    XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
"""
ISO_4217: frozenset[str] = frozenset(_TABLE_A1.split())
# XXX: no currency involved; XTS: reserved for testing. An amount in either is no money.
NOT_MONEY: frozenset[str] = frozenset({"XXX", "XTS"})
MONEY_CODES: frozenset[str] = ISO_4217 - NOT_MONEY
