"""A realistic demo catalog for the products domain: four Bengaluru dark stores, 15 top-level categories
with 48 subcategories, 424 Indian grocery products and per-store stock.

Everything is computed from the literal tables below when the module is imported: no I/O, no randomness
that varies between runs (stock uses `random.Random` seeded with fixed strings), so `catalog()` returns
the same data every time. Money is integer paise. Ids are derived from slugs (see `make_id`).
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
from dataclasses import dataclass
from typing import Any

from blinkit.fees import complete_fees
from blinkit.ids import crockford

CDN = "https://cdn.blinkit-clone.dev"
CITY = "Bengaluru"
TIMEZONE = "Asia/Kolkata"

ID_PATTERN = r"^(sto|cat|prd)_[0-9A-HJKMNP-TV-Z]{26}$"
_NON_SLUG = re.compile(r"[^a-z0-9]+")

# Discounts (percent) picked per product from a hash of its slug: about a third sell at MRP.
DISCOUNTS = (0, 0, 0, 0, 0, 5, 6, 8, 10, 10, 12, 15, 18, 20, 25, 30)


def make_id(prefix: str, key: str) -> str:
    """`<prefix>_` + 26 Crockford base32 characters from SHA-256(`<prefix>:<key>`) (the low 5 bits of each of
    the first 26 bytes: 130 bits, so distinct keys never collide in practice). Stable from run to run."""
    digest = hashlib.sha256(f"{prefix}:{key}".encode()).digest()
    value = 0
    for byte in digest[:26]:
        value = value << 5 | byte & 31
    return f"{prefix}_{crockford(value, 26)}"


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: "Haldiram's Aloo Bhujia 200 g" -> "haldirams-aloo-bhujia-200-g"."""
    return _NON_SLUG.sub("-", text.lower().replace("'", "").replace("&", " and ")).strip("-")


def discounted(mrp: int, percent: int) -> int:
    """Selling price in paise for `percent` off `mrp`, rounded to the nearest whole rupee, never above mrp or
    below ₹1."""
    if percent <= 0:
        return mrp
    price = (mrp * (100 - percent) // 100 + 50) // 100 * 100
    return min(mrp, max(100, price))


def _hash_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


# Stores ---------------------------------------------------------------------------------------------

DEMO_PLATFORM_FEE = 200  # ₹2 an order, as quick-commerce apps charge (the default is 0: none)

# (slug, name, address, lat, lng, radius_km, close, fee overrides)
_STORES: tuple[tuple[str, str, str, float, float, float, str, dict[str, Any]], ...] = (
    (
        "koramangala",
        "Blinkit Clone - Koramangala",
        "18, 80 Feet Road, Koramangala 5th Block, Bengaluru, Karnataka 560095",
        12.9352, 77.6245, 3.0, "01:00", {},
    ),
    (
        "indiranagar",
        "Blinkit Clone - Indiranagar",
        "212, 100 Feet Road, HAL 2nd Stage, Indiranagar, Bengaluru, Karnataka 560038",
        12.9719, 77.6412, 3.0, "01:00", {},
    ),
    (
        "hsr-layout",
        "Blinkit Clone - HSR Layout",
        "1127, 27th Main Road, Sector 1, HSR Layout, Bengaluru, Karnataka 560102",
        12.9116, 77.6474, 3.0, "23:00", {},
    ),
    (
        "bellandur",
        "Blinkit Clone - Bellandur",
        "Outer Ring Road, near Central Mall, Bellandur, Bengaluru, Karnataka 560103",
        12.9279, 77.6784, 3.5, "01:00",
        {"delivery_fee": 3000, "free_delivery_threshold": 24900, "handling_fee": 500, "late_night_fee": 2000},
    ),
)


def _build_stores() -> list[dict[str, Any]]:
    return [
        {
            "store_id": make_id("sto", slug),
            "name": name,
            "address": address,
            "city": CITY,
            "lat": lat,
            "lng": lng,
            "radius_km": radius,
            "opening_hours": {"open": "06:00", "close": close},
            "timezone": TIMEZONE,
            "is_active": True,
            # the one set of defaults, as products stores them, and the platform fee every demo store charges
            "fees": complete_fees({"platform_fee": DEMO_PLATFORM_FEE, **fees}).model_dump(),
        }
        for slug, name, address, lat, lng, radius, close, fees in _STORES
    ]


# Categories and products ----------------------------------------------------------------------------

# An item: (name, brand, unit, mrp in whole rupees, "comma, separated, tags"[, {"disc": %, "max": n}])
_Item = tuple[Any, ...]


@dataclass(frozen=True)
class _Sub:
    name: str
    tags: str  # added to every product of the subcategory
    blurb: str  # the tail of each product's description
    items: tuple[_Item, ...]
    max_per_order: int = 10
    discounts: bool = True  # False: sells at MRP unless an item says otherwise


_TREE: tuple[tuple[str, tuple[_Sub, ...]], ...] = (
    ("Dairy, Bread & Eggs", (
        _Sub("Milk", "milk, doodh, dudh", "pasteurised and delivered chilled; boil before use", (
            ("Amul Taaza Toned Milk", "Amul", "500 ml", 28, "amul milk, toned milk, taaza"),
            ("Amul Taaza Toned Milk", "Amul", "1 L", 56, "amul milk, toned milk, taaza"),
            ("Amul Gold Full Cream Milk", "Amul", "500 ml", 34, "amul milk, full cream milk, malai doodh"),
            ("Amul Gold Full Cream Milk", "Amul", "1 L", 68, "amul milk, full cream milk, malai doodh"),
            ("Amul Slim & Trim Double Toned Milk", "Amul", "500 ml", 26, "amul milk, skimmed milk, low fat"),
            ("Amul Cow Milk", "Amul", "500 ml", 29, "amul milk, cow milk, gaay ka doodh"),
            ("Amul Taaza Homogenised Toned Milk (Tetra Pak)", "Amul", "1 L", 74, "amul milk, uht milk, long life"),
            ("Amul Lactose Free Milk", "Amul", "250 ml", 25, "amul milk, lactose free"),
            ("Mother Dairy Toned Milk", "Mother Dairy", "500 ml", 28, "toned milk"),
            ("Mother Dairy Full Cream Milk", "Mother Dairy", "500 ml", 34, "full cream milk, malai doodh"),
            ("Nandini Toned Milk (Blue Packet)", "Nandini", "500 ml", 24, "toned milk, haalu, kmf"),
            ("Nandini Shubham Standardised Milk", "Nandini", "500 ml", 27, "standardised milk, haalu, kmf"),
            ("Akshayakalpa Organic Cow Milk", "Akshayakalpa", "500 ml", 45, "organic milk, cow milk, a2"),
            ("Heritage Toned Milk", "Heritage", "500 ml", 27, "toned milk"),
        ), max_per_order=6, discounts=False),
        _Sub("Curd & Dahi", "curd, dahi, yogurt, yoghurt, mosaru", "thick, fresh and set the traditional way", (
            ("Amul Masti Dahi", "Amul", "400 g", 35, "amul dahi, masti curd"),
            ("Amul Masti Dahi", "Amul", "1 kg", 77, "amul dahi, masti curd"),
            ("Amul Masti Spiced Buttermilk (Chaas)", "Amul", "500 ml", 30, "chaas, chhachh, buttermilk, majjige"),
            ("Amul Rose Lassi", "Amul", "200 ml", 20, "lassi, sweet dahi drink"),
            ("Mother Dairy Classic Curd", "Mother Dairy", "400 g", 35, "mother dairy dahi"),
            ("Mother Dairy Mishti Doi", "Mother Dairy", "100 g", 25, "mishti doi, sweet curd, meethi dahi"),
            ("Nandini Fresh Curd", "Nandini", "500 g", 30, "nandini mosaru, set curd"),
            ("Milky Mist Set Curd", "Milky Mist", "400 g", 40, "set curd"),
            ("Akshayakalpa Organic Set Curd", "Akshayakalpa", "500 g", 70, "organic curd, organic dahi"),
            ("Epigamia Natural Greek Yogurt", "Epigamia", "90 g", 50, "greek yogurt, high protein"),
            ("Epigamia Blueberry Greek Yogurt", "Epigamia", "90 g", 55, "greek yogurt, flavoured yogurt"),
        )),
        _Sub("Paneer & Tofu", "paneer, cottage cheese, tofu", "soft, fresh and ready to cook", (
            ("Amul Malai Paneer", "Amul", "200 g", 95, "amul paneer, malai paneer"),
            ("Amul Malai Paneer", "Amul", "1 pack (500 g)", 225, "amul paneer, malai paneer"),
            ("Mother Dairy Paneer", "Mother Dairy", "200 g", 95, "fresh paneer"),
            ("Milky Mist Paneer", "Milky Mist", "200 g", 99, "fresh paneer, soft paneer"),
            ("Nandini Paneer", "Nandini", "200 g", 90, "fresh paneer"),
            ("Gowardhan Fresh Paneer", "Gowardhan", "200 g", 92, "fresh paneer"),
            ("Akshayakalpa Organic Malai Paneer", "Akshayakalpa", "200 g", 140, "organic paneer"),
            ("Soyfit Plain Tofu", "Soyfit", "200 g", 80, "tofu, soya paneer, vegan"),
        ), max_per_order=6),
        _Sub("Butter & Cheese", "butter, makhan, cheese", "rich, creamy and made from fresh milk", (
            ("Amul Butter (Salted)", "Amul", "100 g", 58, "amul butter, salted butter"),
            ("Amul Butter (Salted)", "Amul", "500 g", 285, "amul butter, salted butter"),
            ("Nandini Unsalted Butter", "Nandini", "500 g", 275, "white butter, unsalted butter, benne"),
            ("Amul Processed Cheese Slices", "Amul", "200 g", 155, "cheese slice, sandwich cheese"),
            ("Amul Pizza Mozzarella Cheese", "Amul", "200 g", 110, "mozzarella, pizza cheese"),
            ("Amul Cheese Spread Plain", "Amul", "200 g", 105, "cheese spread"),
            ("Britannia Cheese Slices", "Britannia", "200 g", 150, "cheese slice"),
            ("Go Cheese Cubes", "Go", "200 g", 135, "cheese cubes"),
            ("Amul Fresh Cream", "Amul", "250 ml", 70, "fresh cream, malai, cooking cream"),
        )),
        _Sub("Bread & Eggs", "bread, double roti, eggs, anda", "baked or packed fresh every morning", (
            ("Britannia 100% Whole Wheat Bread", "Britannia", "450 g", 55, "brown bread, atta bread"),
            ("Britannia Healthy Slice White Bread", "Britannia", "400 g", 40, "white bread, sandwich bread"),
            ("Modern Brown Bread", "Modern", "400 g", 50, "brown bread"),
            ("English Oven Multigrain Bread", "English Oven", "400 g", 60, "multigrain bread"),
            ("English Oven Pav (Ladi Pav)", "English Oven", "6 pcs", 35, "pav, bun, pav bhaji"),
            ("Fresh Farm White Eggs", "Fresh", "6 pcs", 55, "white eggs, anda, motte"),
            ("Fresh Farm White Eggs", "Fresh", "12 pcs", 105, "white eggs, anda, motte"),
            ("Fresh Farm White Eggs (Tray)", "Fresh", "30 pcs", 230, "egg tray, anda", {"max": 3}),
            ("Eggoz Nutrition Brown Eggs", "Eggoz", "6 pcs", 95, "brown eggs, protein"),
            ("Fresh Country Eggs (Nati Koli Motte)", "Fresh", "6 pcs", 90, "desi anda, country eggs, nati"),
        ), discounts=False),
    )),
    ("Fruits & Vegetables", (
        _Sub("Fresh Vegetables", "vegetables, sabzi, sabji, tarkari", "hand-picked fresh from farms around Bengaluru", (
            ("Fresh Onion (Pyaz)", "Fresh", "1 kg", 45, "onion, pyaz, pyaaz, kanda, eerulli"),
            ("Fresh Onion (Pyaz)", "Fresh", "2 kg", 88, "onion, pyaz, pyaaz, kanda, eerulli"),
            ("Fresh Tomato - Local (Tamatar)", "Fresh", "500 g", 25, "tomato, tamatar, tamatar desi"),
            ("Fresh Tomato - Hybrid (Tamatar)", "Fresh", "500 g", 28, "tomato, tamatar, hybrid tomato"),
            ("Fresh Potato (Aloo)", "Fresh", "1 kg", 40, "potato, aloo, alu, batata"),
            ("Fresh Baby Potato (Chota Aloo)", "Fresh", "500 g", 35, "baby potato, aloo, dum aloo"),
            ("Fresh Green Chilli (Hari Mirch)", "Fresh", "100 g", 12, "green chilli, mirchi, hari mirch"),
            ("Fresh Ginger (Adrak)", "Fresh", "200 g", 30, "ginger, adrak, shunti"),
            ("Fresh Garlic (Lehsun)", "Fresh", "100 g", 30, "garlic, lehsun, lahsun, bellulli"),
            ("Fresh Lady Finger (Bhindi)", "Fresh", "250 g", 25, "okra, bhindi, bendekai"),
            ("Fresh Cauliflower (Phool Gobhi)", "Fresh", "1 pc (400-600 g)", 40, "cauliflower, gobi, gobhi"),
            ("Fresh Cabbage (Patta Gobhi)", "Fresh", "1 pc (500-800 g)", 30, "cabbage, patta gobi"),
            ("Fresh Carrot (Gajar)", "Fresh", "500 g", 35, "carrot, gajar"),
            ("Fresh Capsicum Green (Shimla Mirch)", "Fresh", "250 g", 30, "capsicum, shimla mirch, bell pepper"),
            ("Fresh Cucumber (Kheera)", "Fresh", "500 g", 25, "cucumber, kheera, kakdi, southekai"),
            ("Fresh Brinjal (Baingan)", "Fresh", "500 g", 30, "brinjal, baingan, eggplant, badanekai"),
            ("Fresh Bottle Gourd (Lauki)", "Fresh", "1 pc (600-900 g)", 35, "bottle gourd, lauki, ghiya, sorekai"),
            ("Fresh French Beans", "Fresh", "250 g", 30, "beans, french beans, hurali"),
            ("Fresh Lemon (Nimbu)", "Fresh", "4 pcs", 20, "lemon, nimbu, lime, nimbe"),
            ("Fresh Sweet Corn (Bhutta)", "Fresh", "2 pcs", 40, "corn, bhutta, makka"),
            ("Fresh Drumstick (Moringa)", "Fresh", "250 g", 30, "drumstick, moringa, sahjan, nuggekai"),
            ("Fresh Beetroot (Chukandar)", "Fresh", "500 g", 30, "beetroot, chukandar"),
            ("Fresh Sweet Potato (Shakarkandi)", "Fresh", "500 g", 35, "sweet potato, shakarkandi, genasu"),
        )),
        _Sub("Fresh Fruits", "fruits, phal, fresh fruit", "sweet, ripe and sorted for quality", (
            ("Fresh Banana Robusta (Kela)", "Fresh", "6 pcs", 45, "banana, kela, robusta, bale hannu"),
            ("Fresh Banana Yelakki (Elaichi Kela)", "Fresh", "500 g", 50, "banana, kela, yelakki, elaichi banana"),
            ("Fresh Shimla Apple (Seb)", "Fresh", "4 pcs", 140, "apple, seb, saib"),
            ("Fresh Royal Gala Apple (Seb)", "Fresh", "4 pcs", 180, "apple, seb, royal gala"),
            ("Fresh Pomegranate (Anar)", "Fresh", "3 pcs", 140, "pomegranate, anar, dalimbe"),
            ("Fresh Papaya (Papita)", "Fresh", "1 pc (800 g-1.2 kg)", 60, "papaya, papita, parangi"),
            ("Fresh Watermelon (Tarbooz)", "Fresh", "1 pc (2-3 kg)", 80, "watermelon, tarbooz, kallangadi"),
            ("Fresh Nagpur Orange (Santra)", "Fresh", "1 kg", 120, "orange, santra, santara, kittale"),
            ("Fresh Alphonso Mango (Hapus Aam)", "Fresh", "6 pcs", 540, "mango, aam, alphonso, hapus, mavina"),
            ("Fresh Green Grapes (Angoor)", "Fresh", "500 g", 80, "grapes, angoor, draksha"),
            ("Fresh Guava (Amrood)", "Fresh", "500 g", 60, "guava, amrood, peru, seebe"),
            ("Fresh Kiwi", "Fresh", "3 pcs", 99, "kiwi, exotic fruit"),
            ("Fresh Pineapple (Ananas)", "Fresh", "1 pc", 80, "pineapple, ananas"),
            ("Fresh Muskmelon (Kharbooja)", "Fresh", "1 pc", 60, "muskmelon, kharbuja, kharbooja"),
        )),
        _Sub("Leafy Greens & Herbs", "greens, herbs, saag, soppu", "tender bunches, washed and bundled fresh", (
            ("Coriander Leaves (Dhania)", "Fresh", "100 g", 10, "coriander, dhania, dhaniya, kothambari"),
            ("Mint Leaves (Pudina)", "Fresh", "100 g", 12, "mint, pudina, pudina soppu"),
            ("Curry Leaves (Kadi Patta)", "Fresh", "50 g", 10, "curry leaves, kadi patta, karibevu"),
            ("Fresh Spinach (Palak)", "Fresh", "250 g", 25, "spinach, palak, palak soppu"),
            ("Fresh Fenugreek Leaves (Methi)", "Fresh", "250 g", 25, "methi, fenugreek, menthya soppu"),
            ("Fresh Spring Onion (Hara Pyaz)", "Fresh", "250 g", 25, "spring onion, hara pyaz, pyaz patta"),
            ("Fresh Dill Leaves (Sabsige Soppu)", "Fresh", "100 g", 15, "dill, suva, sabsige soppu"),
            ("Fresh Red Amaranth (Lal Chaulai)", "Fresh", "250 g", 20, "amaranth, chaulai, dantu soppu"),
        )),
    )),
    ("Atta, Rice & Dal", (
        _Sub("Atta & Flours", "atta, aata, flour", "milled for soft rotis and everyday cooking", (
            ("Aashirvaad Shudh Chakki Atta", "Aashirvaad", "1 kg", 68, "gehun, wheat flour, chakki atta"),
            ("Aashirvaad Shudh Chakki Atta", "Aashirvaad", "5 kg", 310, "gehun, wheat flour, chakki atta"),
            ("Aashirvaad Shudh Chakki Atta", "Aashirvaad", "10 kg", 590, "gehun, wheat flour, chakki atta"),
            ("Aashirvaad Select Sharbati Atta", "Aashirvaad", "5 kg", 360, "gehun, sharbati, premium atta"),
            ("Aashirvaad Atta with Multigrains", "Aashirvaad", "5 kg", 395, "multigrain atta, high fibre"),
            ("Fortune Chakki Fresh Atta", "Fortune", "5 kg", 290, "gehun, wheat flour, chakki atta"),
            ("Fortune Chakki Fresh Atta", "Fortune", "10 kg", 560, "gehun, wheat flour, chakki atta"),
            ("Pillsbury Chakki Fresh Atta", "Pillsbury", "5 kg", 295, "gehun, wheat flour"),
            ("Nature Fresh Sampoorna Chakki Atta", "Nature Fresh", "5 kg", 275, "gehun, wheat flour"),
            ("Patanjali Chakki Atta", "Patanjali", "5 kg", 265, "gehun, wheat flour"),
            ("Tata Sampann 100% Chana Dal Besan", "Tata Sampann", "500 g", 80, "besan, gram flour, kadle hittu"),
            ("Rajdhani Besan", "Rajdhani", "500 g", 70, "besan, gram flour, chana atta"),
            ("Nature Fresh Maida", "Nature Fresh", "1 kg", 60, "maida, refined flour, all purpose flour"),
            ("MTR Bombay Rava (Sooji)", "MTR", "500 g", 55, "rava, sooji, suji, semolina, upma"),
            ("24 Mantra Organic Ragi Flour", "24 Mantra Organic", "500 g", 70, "ragi, nachni, finger millet"),
        ), max_per_order=3),
        _Sub("Rice", "rice, chawal, akki", "aged grains that cook up fluffy and separate", (
            ("India Gate Basmati Rice Classic", "India Gate", "1 kg", 235, "basmati, biryani rice"),
            ("India Gate Feast Rozzana Basmati Rice", "India Gate", "5 kg", 480, "basmati, daily basmati"),
            ("Daawat Rozana Super Basmati Rice", "Daawat", "5 kg", 520, "basmati, daily basmati"),
            ("Daawat Traditional Basmati Rice", "Daawat", "1 kg", 195, "basmati, biryani rice"),
            ("Fortune Biryani Special Basmati Rice", "Fortune", "1 kg", 175, "basmati, biryani rice"),
            ("Fortune Rozana Basmati Rice", "Fortune", "5 kg", 480, "basmati, daily basmati"),
            ("Kohinoor Super Silver Basmati Rice", "Kohinoor", "1 kg", 175, "basmati"),
            ("Lal Qilla Traditional Basmati Rice", "Lal Qilla", "1 kg", 290, "basmati, premium basmati"),
            ("Daawat Sona Masoori Rice", "Daawat", "5 kg", 420, "sona masoori, sona masuri, raw rice"),
            ("24 Mantra Organic Sona Masoori Rice", "24 Mantra Organic", "5 kg", 490, "sona masoori, organic rice"),
            ("24 Mantra Organic Idli Rice", "24 Mantra Organic", "1 kg", 95, "idli rice, boiled rice"),
            ("Double Horse Kerala Matta Rice", "Double Horse", "5 kg", 420, "matta rice, red rice, kerala rice"),
        ), max_per_order=5),
        _Sub("Dal & Pulses", "dal, daal, pulses, lentils, bele", "unpolished, cleaned and rich in protein", (
            ("Tata Sampann Unpolished Toor Dal (Arhar)", "Tata Sampann", "1 kg", 210, "toor dal, arhar, tur dal"),
            ("Tata Sampann Unpolished Toor Dal (Arhar)", "Tata Sampann", "500 g", 110, "toor dal, arhar, tur dal"),
            ("Tata Sampann Unpolished Moong Dal", "Tata Sampann", "1 kg", 170, "moong dal, yellow dal, hesaru"),
            ("Tata Sampann Unpolished Chana Dal", "Tata Sampann", "1 kg", 140, "chana dal, kadle bele"),
            ("Tata Sampann Unpolished Masoor Dal", "Tata Sampann", "500 g", 80, "masoor dal, red lentils"),
            ("Tata Sampann Urad Dal Whole", "Tata Sampann", "500 g", 95, "urad dal, kali dal, uddina bele"),
            ("Tata Sampann Kabuli Chana (Chole)", "Tata Sampann", "500 g", 95, "kabuli chana, chole, chickpeas"),
            ("Tata Sampann Kala Chana", "Tata Sampann", "500 g", 70, "kala chana, black chana"),
            ("Tata Sampann Moong Whole (Green Gram)", "Tata Sampann", "500 g", 90, "moong, green gram, hesaru kalu"),
            ("24 Mantra Organic Toor Dal", "24 Mantra Organic", "1 kg", 230, "toor dal, arhar, organic dal"),
            ("24 Mantra Organic Rajma Chitra", "24 Mantra Organic", "500 g", 110, "rajma, kidney beans"),
        ), max_per_order=5),
    )),
    ("Masala, Oil & More", (
        _Sub("Cooking Oils", "oil, tel, cooking oil, enne", "for everyday Indian cooking and frying", (
            ("Fortune Sunlite Refined Sunflower Oil", "Fortune", "1 L", 155, "sunflower oil, refined oil"),
            ("Fortune Sunlite Refined Sunflower Oil", "Fortune", "5 L", 760, "sunflower oil, refined oil"),
            ("Saffola Gold Refined Cooking Oil", "Saffola", "1 L", 205, "blended oil, heart healthy"),
            ("Saffola Gold Refined Cooking Oil", "Saffola", "5 L", 960, "blended oil, heart healthy"),
            ("Fortune Kachi Ghani Mustard Oil", "Fortune", "1 L", 185, "mustard oil, sarson ka tel"),
            ("Dhara Kachi Ghani Mustard Oil", "Dhara", "1 L", 180, "mustard oil, sarson ka tel"),
            ("Gemini Refined Sunflower Oil", "Gemini", "1 L", 150, "sunflower oil, refined oil"),
            ("Freedom Refined Sunflower Oil", "Freedom", "1 L", 145, "sunflower oil, refined oil"),
            ("Fortune Rice Bran Health Oil", "Fortune", "1 L", 180, "rice bran oil"),
            ("Idhayam Gingelly Oil", "Idhayam", "1 L", 420, "sesame oil, til ka tel, gingelly, ellu enne"),
            ("Figaro Pure Olive Oil", "Figaro", "500 ml", 650, "olive oil"),
        ), max_per_order=5),
        _Sub("Ghee & Vanaspati", "ghee, desi ghee, ghi, tuppa", "rich aroma and granular texture", (
            ("Amul Pure Ghee", "Amul", "1 L", 650, "amul ghee, cow ghee"),
            ("Amul Pure Ghee", "Amul", "500 ml", 330, "amul ghee, cow ghee"),
            ("Nandini Pure Ghee", "Nandini", "1 L", 610, "nandini ghee, cow ghee"),
            ("Aashirvaad Svasti Pure Cow Ghee", "Aashirvaad", "1 L", 699, "cow ghee"),
            ("Patanjali Cow's Ghee", "Patanjali", "1 L", 660, "cow ghee"),
            ("Gowardhan Cow Ghee", "Gowardhan", "1 L", 720, "cow ghee"),
            ("Mother Dairy Cow Ghee", "Mother Dairy", "1 L", 680, "cow ghee"),
            ("Akshayakalpa Organic Cow Ghee", "Akshayakalpa", "200 ml", 320, "organic ghee, a2 ghee"),
            ("Dalda Vanaspati", "Dalda", "1 L", 165, "vanaspati, dalda"),
        ), max_per_order=5),
        _Sub("Masala & Spices", "masala, spices, powder, masale", "freshly ground with a bold, authentic flavour", (
            ("MDH Chana Masala", "MDH", "100 g", 85, "chole masala, chana masala"),
            ("MDH Deggi Mirch", "MDH", "100 g", 90, "deggi mirch, red chilli, lal mirch"),
            ("MDH Kitchen King Masala", "MDH", "100 g", 88, "kitchen king, sabzi masala"),
            ("Everest Garam Masala", "Everest", "100 g", 96, "garam masala"),
            ("Everest Kitchen King Masala", "Everest", "100 g", 88, "kitchen king, sabzi masala"),
            ("Everest Tikhalal Chilli Powder", "Everest", "100 g", 55, "red chilli, lal mirch, mirchi powder"),
            ("Everest Pav Bhaji Masala", "Everest", "100 g", 80, "pav bhaji masala"),
            ("Everest Chicken Masala", "Everest", "100 g", 85, "chicken masala, non veg masala"),
            ("Catch Turmeric Powder (Haldi)", "Catch", "200 g", 78, "turmeric, haldi, arishina"),
            ("Catch Coriander Powder (Dhania Powder)", "Catch", "100 g", 42, "coriander powder, dhania powder"),
            ("Catch Cumin Seeds (Jeera)", "Catch", "100 g", 80, "jeera, cumin, zeera, jeerige"),
            ("Tata Sampann Turmeric Powder (Haldi)", "Tata Sampann", "100 g", 45, "turmeric, haldi"),
            ("MTR Sambar Powder", "MTR", "200 g", 110, "sambar powder, sambar masala, saaru pudi"),
            ("MTR Rasam Powder", "MTR", "100 g", 60, "rasam powder, saaru"),
            ("MTR Puliogare Powder", "MTR", "200 g", 90, "puliogare, tamarind rice mix, puliyodarai"),
            ("Aachi Chilli Powder", "Aachi", "200 g", 80, "red chilli, mirchi powder"),
        )),
        _Sub("Salt, Sugar & Jaggery", "salt, namak, sugar, cheeni, chini, shakkar", "pure and hygienically packed", (
            ("Tata Salt Iodised", "Tata Salt", "1 kg", 28, "namak, iodised salt, uppu"),
            ("Tata Salt Lite Low Sodium", "Tata Salt", "1 kg", 48, "low sodium salt, namak"),
            ("Aashirvaad Iodised Salt", "Aashirvaad", "1 kg", 25, "namak, iodised salt"),
            ("Catch Black Salt (Kala Namak)", "Catch", "100 g", 30, "kala namak, black salt"),
            ("Tata Sampann Rock Salt (Sendha Namak)", "Tata Sampann", "1 kg", 90, "sendha namak, rock salt, vrat"),
            ("Madhur Pure Sugar", "Madhur", "1 kg", 60, "sugar, cheeni, sakkare"),
            ("Madhur Pure Sugar", "Madhur", "5 kg", 290, "sugar, cheeni, sakkare"),
            ("Dhampure Sulphurless Sugar", "Dhampure", "1 kg", 65, "sugar, sulphurless"),
            ("24 Mantra Organic Jaggery (Gud)", "24 Mantra Organic", "500 g", 60, "jaggery, gud, gur, bella"),
        ), max_per_order=5),
    )),
    ("Snacks & Munchies", (
        _Sub("Chips & Crisps", "chips, wafers, crisps, snacks", "crunchy, flavourful and perfect for munching", (
            ("Lay's India's Magic Masala Potato Chips", "Lay's", "52 g", 20, "lays, magic masala, aloo chips"),
            ("Lay's India's Magic Masala Potato Chips", "Lay's", "90 g", 40, "lays, magic masala, aloo chips"),
            ("Lay's Classic Salted Potato Chips", "Lay's", "52 g", 20, "lays, salted chips, aloo chips"),
            ("Lay's American Style Cream & Onion Chips", "Lay's", "52 g", 20, "lays, cream and onion"),
            ("Kurkure Masala Munch", "Kurkure", "82 g", 20, "kurkure, namkeen"),
            ("Kurkure Chilli Chatka", "Kurkure", "82 g", 20, "kurkure, spicy"),
            ("Bingo Mad Angles Achaari Masti", "Bingo", "66 g", 20, "mad angles, achari"),
            ("Bingo Tedhe Medhe Masala Tadka", "Bingo", "80 g", 20, "tedhe medhe, masala"),
            ("Uncle Chipps Spicy Treat", "Uncle Chipps", "50 g", 20, "aloo chips, spicy"),
            ("Pringles Original", "Pringles", "107 g", 115, "pringles, stackable chips"),
            ("Doritos Nacho Cheese", "Doritos", "60 g", 50, "nachos, tortilla chips"),
            ("Balaji Wafers Simply Salted", "Balaji", "135 g", 50, "wafers, salted"),
            ("Too Yumm Veggie Stix", "Too Yumm", "70 g", 30, "baked snack, veggie stick"),
        )),
        _Sub("Namkeen & Bhujia", "namkeen, bhujia, mixture, khara", "traditional Indian tea-time snacks", (
            ("Haldiram's Aloo Bhujia", "Haldiram's", "200 g", 55, "aloo bhujia, haldiram"),
            ("Haldiram's Aloo Bhujia", "Haldiram's", "400 g", 105, "aloo bhujia, haldiram"),
            ("Haldiram's Bhujia Sev", "Haldiram's", "400 g", 110, "sev, bikaneri bhujia, haldiram"),
            ("Haldiram's Navrattan Mix", "Haldiram's", "200 g", 55, "navratan, mixture, haldiram"),
            ("Haldiram's Moong Dal", "Haldiram's", "200 g", 55, "moong dal namkeen, haldiram"),
            ("Haldiram's Khatta Meetha", "Haldiram's", "200 g", 55, "khatta meetha, haldiram"),
            ("Haldiram's Punjabi Tadka", "Haldiram's", "200 g", 55, "punjabi tadka, haldiram"),
            ("Bikaji Bikaneri Bhujia", "Bikaji", "400 g", 110, "bikaneri bhujia, sev"),
            ("Bikano Shahi Mixture", "Bikano", "400 g", 105, "mixture, chivda"),
            ("A2B Madras Mixture", "A2B", "200 g", 80, "madras mixture, south indian mixture, khara"),
            ("Bikaji Khatta Meetha", "Bikaji", "200 g", 50, "khatta meetha"),
        )),
        _Sub("Dry Fruits & Nuts", "dry fruits, nuts, mewa, meva", "premium quality, cleaned and sorted", (
            ("Happilo Premium California Almonds (Badam)", "Happilo", "200 g", 299, "almonds, badam"),
            ("Happilo Premium Whole Cashews (Kaju)", "Happilo", "200 g", 280, "cashew, kaju, godambi"),
            ("Nutraj California Walnuts (Akhrot)", "Nutraj", "200 g", 350, "walnut, akhrot"),
            ("Happilo Afghani Raisins (Kishmish)", "Happilo", "250 g", 150, "raisins, kishmish, draksha"),
            ("Farmley Panchmeva Mix", "Farmley", "200 g", 250, "mixed dry fruits, panchmeva"),
            ("Farmley Peri Peri Makhana", "Farmley", "60 g", 99, "makhana, fox nuts, phool makhana"),
        )),
    )),
    ("Cold Drinks & Juices", (
        _Sub("Soft Drinks", "cold drink, soft drink, soda, thanda", "best served chilled", (
            ("Coca-Cola Original", "Coca-Cola", "750 ml", 40, "coke, cola, coca cola"),
            ("Coca-Cola Original", "Coca-Cola", "2 L", 95, "coke, cola, coca cola"),
            ("Coca-Cola Zero Sugar Can", "Coca-Cola", "300 ml", 40, "coke zero, diet coke, cola"),
            ("Thums Up", "Thums Up", "750 ml", 40, "thumbs up, cola"),
            ("Thums Up", "Thums Up", "2 L", 95, "thumbs up, cola"),
            ("Sprite Lime", "Sprite", "750 ml", 40, "lemon soda, nimbu soda"),
            ("Fanta Orange", "Fanta", "750 ml", 40, "orange soda"),
            ("Pepsi", "Pepsi", "750 ml", 40, "cola"),
            ("Limca", "Limca", "750 ml", 40, "lemon soda, nimbu"),
            ("7UP Nimbooz Masala Soda", "7UP", "750 ml", 40, "masala soda, nimbu soda"),
            ("Mountain Dew", "Mountain Dew", "750 ml", 40, "dew, citrus soda"),
        ), max_per_order=12),
        _Sub("Fruit Juices", "juice, ras, fruit juice, fruit drink", "made from real fruit, serve chilled", (
            ("Real Fruit Power Mixed Fruit Juice", "Real", "1 L", 125, "mixed fruit juice, dabur real"),
            ("Real Fruit Power Orange Juice", "Real", "1 L", 125, "orange juice, dabur real"),
            ("Real Fruit Power Guava Juice", "Real", "1 L", 120, "guava juice, amrood, dabur real"),
            ("Tropicana 100% Orange Juice", "Tropicana", "1 L", 140, "orange juice, no added sugar"),
            ("Paper Boat Aamras", "Paper Boat", "250 ml", 35, "mango, aam ras, aamras"),
            ("Paper Boat Jaljeera", "Paper Boat", "250 ml", 30, "jaljeera, jal jeera"),
            ("Paper Boat Anar", "Paper Boat", "250 ml", 35, "pomegranate, anar juice"),
            ("Maaza Mango Drink", "Maaza", "600 ml", 42, "mango drink, aam"),
            ("Maaza Mango Drink", "Maaza", "1.2 L", 70, "mango drink, aam"),
            ("Frooti Mango Drink", "Frooti", "600 ml", 40, "mango drink, aam"),
        )),
        _Sub("Water, Soda & Energy Drinks", "water, paani, pani, soda, energy drink", "sealed for freshness", (
            ("Bisleri Packaged Drinking Water", "Bisleri", "1 L", 20, "mineral water, bottle water"),
            ("Bisleri Packaged Drinking Water", "Bisleri", "2 L", 32, "mineral water, bottle water"),
            ("Bisleri Packaged Drinking Water", "Bisleri", "5 L", 70, "mineral water, bottle water"),
            ("Himalayan Natural Mineral Water", "Himalayan", "1 L", 70, "mineral water"),
            ("Kinley Club Soda", "Kinley", "750 ml", 20, "club soda, soda water"),
            ("Red Bull Energy Drink", "Red Bull", "250 ml", 125, "redbull, energy drink"),
            ("Sting Energy Drink", "Sting", "250 ml", 20, "energy drink"),
            ("Fresh Tender Coconut (Elaneer)", "Fresh", "1 pc", 60, "nariyal pani, coconut water, ele neeru"),
            ("Paper Boat Coconut Water", "Paper Boat", "200 ml", 50, "nariyal pani, coconut water"),
        ), max_per_order=12),
    )),
    ("Tea, Coffee & Health Drinks", (
        _Sub("Tea", "tea, chai, chai patti, chaha", "strong, aromatic and made for the perfect cup", (
            ("Tata Tea Premium", "Tata Tea", "250 g", 140, "tata chai, leaf tea"),
            ("Tata Tea Premium", "Tata Tea", "1 kg", 540, "tata chai, leaf tea"),
            ("Tata Tea Gold", "Tata Tea", "500 g", 330, "tata chai, leaf tea"),
            ("Tata Tea Agni Strong Leaf", "Tata Tea", "250 g", 85, "kadak chai, strong tea"),
            ("Brooke Bond Red Label", "Brooke Bond", "250 g", 145, "red label chai"),
            ("Brooke Bond Red Label", "Brooke Bond", "500 g", 290, "red label chai"),
            ("Brooke Bond Taj Mahal", "Brooke Bond", "250 g", 190, "taj mahal chai, premium tea"),
            ("Brooke Bond 3 Roses", "Brooke Bond", "250 g", 140, "3 roses, dust tea"),
            ("Wagh Bakri Premium Leaf Tea", "Wagh Bakri", "500 g", 280, "wagh bakri chai"),
            ("Lipton Honey Lemon Green Tea", "Lipton", "25 pcs", 175, "green tea, tea bags"),
        )),
        _Sub("Coffee", "coffee, kaapi, kofi", "rich aroma and a smooth, full-bodied taste", (
            ("Nescafe Classic Instant Coffee", "Nescafe", "50 g", 180, "instant coffee, nescafe"),
            ("Nescafe Classic Instant Coffee", "Nescafe", "100 g", 330, "instant coffee, nescafe"),
            ("Nescafe Gold Blend Instant Coffee", "Nescafe", "50 g", 400, "instant coffee, premium coffee"),
            ("Bru Instant Coffee", "Bru", "100 g", 300, "instant coffee, bru"),
            ("Bru Green Label Filter Coffee", "Bru", "500 g", 320, "filter coffee, south indian coffee"),
            ("Cothas Coffee Filter Coffee Powder", "Cothas", "500 g", 330, "filter coffee, chicory, bengaluru"),
            ("Tata Coffee Grand Instant Coffee", "Tata Coffee", "50 g", 160, "instant coffee"),
        )),
        _Sub("Health Drinks", "health drink, malt drink, nutrition", "nutrition for the whole family", (
            ("Cadbury Bournvita Chocolate Health Drink", "Cadbury", "500 g", 245, "bournvita, chocolate drink"),
            ("Horlicks Classic Malt", "Horlicks", "500 g", 245, "horlicks, malt"),
            ("Boost Health Drink", "Boost", "500 g", 260, "boost, chocolate malt"),
            ("Complan Royale Chocolate", "Complan", "500 g", 299, "complan, kids nutrition"),
            ("Glucon-D Orange Instant Energy Drink", "Glucon-D", "450 g", 130, "glucose, glucon d, energy"),
            ("Dabur Chyawanprash", "Dabur", "500 g", 240, "chyawanprash, immunity"),
        )),
    )),
    ("Instant & Frozen Food", (
        _Sub("Noodles & Pasta", "noodles, instant noodles, pasta", "ready in minutes", (
            ("Maggi 2-Minute Masala Noodles", "Maggi", "70 g", 14, "maggi, maggie, masala noodles"),
            ("Maggi 2-Minute Masala Noodles", "Maggi", "1 pack (280 g)", 56, "maggi, maggie, masala noodles"),
            ("Maggi 2-Minute Masala Noodles", "Maggi", "12 x 70 g", 168, "maggi, maggie, family pack"),
            ("Maggi Special Masala Noodles", "Maggi", "1 pack (290 g)", 68, "maggi, maggie, masala noodles"),
            ("Yippee Magic Masala Noodles", "Yippee", "1 pack (260 g)", 60, "yippee, masala noodles"),
            ("Ching's Secret Schezwan Instant Noodles", "Ching's Secret", "1 pack (240 g)", 60, "schezwan, chinese"),
            ("Top Ramen Curry Noodles", "Top Ramen", "1 pack (280 g)", 56, "curry noodles, ramen"),
            ("Knorr Classic Thick Tomato Soup", "Knorr", "53 g", 65, "soup, tomato soup"),
            ("Bambino Vermicelli (Seviyan)", "Bambino", "400 g", 60, "vermicelli, seviyan, semiya, shavige"),
            ("Del Monte Penne Pasta", "Del Monte", "500 g", 110, "penne, pasta"),
        )),
        _Sub("Ready to Cook", "ready to cook, ready to eat, instant mix", "quick, tasty and ready in minutes", (
            ("iD Fresh Idli & Dosa Batter", "iD Fresh", "1 kg", 90, "idli batter, dosa batter, hittu"),
            ("iD Fresh Malabar Parota", "iD Fresh", "5 pcs", 65, "parotta, paratha, malabar"),
            ("iD Fresh Whole Wheat Parota", "iD Fresh", "5 pcs", 75, "parotta, paratha, atta paratha"),
            ("MTR Rava Idli Mix", "MTR", "500 g", 130, "rava idli, instant mix, breakfast"),
            ("MTR Gulab Jamun Mix", "MTR", "175 g", 110, "gulab jamun, sweet mix"),
            ("MTR Ready to Eat Dal Makhani", "MTR", "300 g", 125, "dal makhani, ready meal"),
            ("MTR Ready to Eat Paneer Butter Masala", "MTR", "300 g", 150, "paneer butter masala, ready meal"),
            ("24 Mantra Organic Poha (Thick)", "24 Mantra Organic", "500 g", 60, "poha, avalakki, chivda, aval"),
        )),
        _Sub("Frozen Food", "frozen, frozen food, frozen snacks", "keep frozen at -18 C; cook from frozen", (
            ("McCain French Fries", "McCain", "420 g", 120, "french fries, potato fries, aloo"),
            ("McCain Aloo Tikki", "McCain", "400 g", 140, "aloo tikki, potato patty"),
            ("Safal Frozen Green Peas (Matar)", "Safal", "500 g", 110, "green peas, matar, batani"),
            ("Godrej Yummiez Chicken Nuggets", "Godrej Yummiez", "400 g", 240, "chicken nuggets, non veg"),
            ("Prasuma Veg Momos", "Prasuma", "10 pcs", 185, "momos, dumplings"),
            ("Amul Frozen Malabar Paratha", "Amul", "5 pcs", 90, "paratha, frozen paratha"),
        )),
    )),
    ("Sweets & Chocolates", (
        _Sub("Chocolates", "chocolate, choco, candy", "a sweet treat for every moment", (
            ("Cadbury Dairy Milk Silk", "Cadbury", "60 g", 90, "dairy milk, silk, chocolate bar"),
            ("Cadbury Dairy Milk Chocolate", "Cadbury", "52 g", 50, "dairy milk, chocolate bar"),
            ("Cadbury 5 Star", "Cadbury", "40 g", 20, "5 star, caramel"),
            ("Cadbury Perk", "Cadbury", "13 g", 10, "perk, wafer"),
            ("Cadbury Celebrations Assorted Pack", "Cadbury", "118 g", 130, "celebrations, gift pack"),
            ("Nestle KitKat 4 Finger", "Nestle", "38 g", 30, "kitkat, kit kat, wafer"),
            ("Nestle Munch", "Nestle", "23 g", 10, "munch, wafer"),
            ("Amul Dark Chocolate 55% Cocoa", "Amul", "150 g", 150, "dark chocolate"),
            ("Ferrero Rocher", "Ferrero", "16 pcs", 580, "ferrero, hazelnut, gift"),
        )),
        _Sub("Indian Sweets", "sweets, mithai, meetha", "traditional mithai, perfect for festivals", (
            ("Haldiram's Rasgulla", "Haldiram's", "1 kg", 220, "rasgulla, rosogolla"),
            ("Haldiram's Gulab Jamun", "Haldiram's", "1 kg", 220, "gulab jamun"),
            ("Haldiram's Soan Papdi", "Haldiram's", "500 g", 150, "soan papdi, son papdi"),
            ("Sri Krishna Sweets Mysore Pak", "Sri Krishna Sweets", "250 g", 320, "mysore pak, mysorepak"),
            ("Nandini Milk Peda", "Nandini", "250 g", 110, "peda, pedha, doodh peda"),
            ("Bikaji Kaju Katli", "Bikaji", "250 g", 280, "kaju katli, kaju barfi"),
        )),
        _Sub("Ice Creams & Frozen Desserts", "ice cream, icecream, kulfi, dessert", "keep frozen; best enjoyed cold", (
            ("Amul Vanilla Magic Ice Cream", "Amul", "1 L", 190, "vanilla ice cream, tub"),
            ("Amul Malai Kulfi", "Amul", "60 ml", 20, "kulfi, malai kulfi"),
            ("Kwality Wall's Cornetto Double Chocolate", "Kwality Wall's", "105 ml", 60, "cornetto, cone"),
            ("Kwality Wall's Feast Chocolate", "Kwality Wall's", "90 ml", 40, "feast, stick ice cream"),
            ("Mother Dairy Butterscotch Cone", "Mother Dairy", "110 ml", 40, "butterscotch, cone"),
            ("Baskin Robbins Mississippi Mud", "Baskin Robbins", "500 ml", 350, "chocolate ice cream, tub"),
            ("Naturals Tender Coconut Ice Cream", "Naturals", "500 ml", 350, "tender coconut, natural ice cream"),
        )),
    )),
    ("Bakery & Biscuits", (
        _Sub("Cookies & Cream Biscuits", "biscuit, biscuits, cookies", "crunchy cookies and cream-filled favourites", (
            ("Britannia Good Day Cashew Cookies", "Britannia", "200 g", 45, "good day, kaju cookies"),
            ("Britannia Good Day Butter Cookies", "Britannia", "200 g", 40, "good day, butter cookies"),
            ("Parle Hide & Seek Chocolate Chip Cookies", "Parle", "100 g", 30, "hide and seek, choco chip"),
            ("Sunfeast Dark Fantasy Choco Fills", "Sunfeast", "75 g", 40, "dark fantasy, choco fills"),
            ("Britannia Bourbon Chocolate Cream Biscuits", "Britannia", "150 g", 40, "bourbon, cream biscuit"),
            ("Oreo Vanilla Creme Biscuits", "Oreo", "120 g", 35, "oreo, cream biscuit"),
            ("Britannia Jim Jam", "Britannia", "150 g", 40, "jim jam, jam biscuit"),
            ("Parle Monaco Classic Salted Crackers", "Parle", "120 g", 25, "monaco, salted biscuit"),
            ("Britannia NutriChoice Digestive", "Britannia", "250 g", 70, "digestive, high fibre"),
            ("McVitie's Digestive", "McVitie's", "250 g", 80, "digestive"),
            ("Sunfeast Mom's Magic Cashew & Almond", "Sunfeast", "200 g", 40, "moms magic, cashew cookies"),
            ("Karachi Bakery Fruit Biscuits", "Karachi Bakery", "400 g", 180, "fruit biscuit, hyderabad"),
        )),
        _Sub("Glucose, Marie & Rusk", "biscuit, biscuits, rusk, toast", "a classic companion to your chai", (
            ("Parle-G Original Glucose Biscuits", "Parle", "250 g", 25, "parle g, glucose biscuit"),
            ("Britannia Marie Gold", "Britannia", "250 g", 40, "marie biscuit"),
            ("Sunfeast Marie Light", "Sunfeast", "250 g", 30, "marie biscuit"),
            ("Britannia Milk Bikis", "Britannia", "200 g", 30, "milk biscuit"),
            ("Britannia Toastea Premium Bake Rusk", "Britannia", "300 g", 55, "rusk, toast, elaichi rusk"),
            ("Parle Rusk", "Parle", "300 g", 50, "rusk, toast"),
            ("Britannia Fruit Cake", "Britannia", "140 g", 35, "cake, fruit cake, plum cake"),
        )),
    )),
    ("Breakfast & Sauces", (
        _Sub("Breakfast Cereals", "breakfast, cereal, oats", "a wholesome start to the day", (
            ("Kellogg's Corn Flakes Original", "Kellogg's", "475 g", 210, "cornflakes, corn flakes"),
            ("Kellogg's Chocos", "Kellogg's", "375 g", 210, "chocos, chocolate cereal"),
            ("Kellogg's Muesli Fruit & Nut", "Kellogg's", "500 g", 399, "muesli"),
            ("Quaker Oats", "Quaker", "1 kg", 220, "oats, rolled oats, dalia"),
            ("Saffola Masala Oats Classic Masala", "Saffola", "500 g", 190, "masala oats, instant oats"),
        )),
        _Sub("Sauces & Pickles", "sauce, ketchup, chutney, achar", "adds a burst of flavour to every meal", (
            ("Kissan Fresh Tomato Ketchup", "Kissan", "850 g", 150, "tomato ketchup, tomato sauce"),
            ("Maggi Hot & Sweet Tomato Chilli Sauce", "Maggi", "1 kg", 175, "hot and sweet, chilli sauce"),
            ("Ching's Secret Dark Soy Sauce", "Ching's Secret", "200 g", 65, "soy sauce, chinese"),
            ("Ching's Secret Schezwan Chutney", "Ching's Secret", "250 g", 90, "schezwan sauce"),
            ("Veeba Eggless Mayonnaise", "Veeba", "250 g", 99, "mayo, mayonnaise, eggless"),
            ("Mother's Recipe Andhra Avakaya Mango Pickle", "Mother's Recipe", "300 g", 130, "mango pickle, achaar"),
            ("Priya Gongura Pickle", "Priya", "300 g", 120, "gongura, pickle, andhra"),
        )),
        _Sub("Jams, Honey & Spreads", "jam, spread, honey, shahad", "perfect on toast and rotis", (
            ("Kissan Mixed Fruit Jam", "Kissan", "500 g", 190, "mixed fruit jam"),
            ("Nutella Hazelnut Spread with Cocoa", "Nutella", "350 g", 399, "nutella, chocolate spread"),
            ("Pintola All Natural Peanut Butter Crunchy", "Pintola", "350 g", 250, "peanut butter"),
            ("Dabur Honey", "Dabur", "500 g", 225, "honey, shahad, madhu"),
            ("Saffola Honey", "Saffola", "500 g", 215, "honey, shahad"),
        )),
    )),
    ("Cleaning Essentials", (
        _Sub("Detergents & Fabric Care", "detergent, washing powder, laundry", "tough on stains, gentle on clothes", (
            ("Surf Excel Easy Wash Detergent Powder", "Surf Excel", "1 kg", 140, "surf, washing powder"),
            ("Surf Excel Matic Top Load Liquid Detergent", "Surf Excel", "1 L", 240, "liquid detergent, matic"),
            ("Ariel Matic Front Load Detergent Powder", "Ariel", "2 kg", 560, "ariel, front load"),
            ("Tide Plus Double Power Jasmine & Rose", "Tide", "1 kg", 120, "tide, washing powder"),
            ("Rin Detergent Powder", "Rin", "1 kg", 95, "rin, washing powder"),
            ("Wheel Active 2 in 1 Detergent Powder", "Wheel", "1 kg", 65, "wheel, washing powder"),
            ("Ghadi Detergent Powder", "Ghadi", "1 kg", 70, "ghadi, washing powder"),
            ("Comfort After Wash Fabric Conditioner", "Comfort", "860 ml", 240, "fabric softener, conditioner"),
        )),
        _Sub("Dishwash", "dishwash, bartan, utensil cleaner", "cuts through grease for sparkling utensils", (
            ("Vim Dishwash Bar", "Vim", "300 g", 30, "vim bar, bartan sabun"),
            ("Vim Dishwash Liquid Gel Lemon", "Vim", "500 ml", 115, "dishwash liquid, vim gel"),
            ("Exo Dishwash Bar", "Exo", "500 g", 45, "exo bar"),
            ("Pril Dishwash Liquid", "Pril", "425 ml", 99, "dishwash liquid"),
            ("Scotch-Brite Scrub Pad", "Scotch-Brite", "3 pcs", 50, "scrubber, scrub pad"),
        )),
        _Sub("Floor & Toilet Cleaners", "cleaner, floor cleaner, toilet cleaner", "kills 99.9% of germs", (
            ("Harpic Power Plus Toilet Cleaner Original", "Harpic", "500 ml", 110, "toilet cleaner, harpic"),
            ("Harpic Power Plus Toilet Cleaner Original", "Harpic", "1 L", 199, "toilet cleaner, harpic"),
            ("Lizol Disinfectant Surface Cleaner Citrus", "Lizol", "975 ml", 229, "floor cleaner, pocha"),
            ("Lizol Disinfectant Surface Cleaner Floral", "Lizol", "500 ml", 119, "floor cleaner, pocha"),
            ("Domex Disinfectant Toilet Cleaner", "Domex", "500 ml", 99, "toilet cleaner"),
            ("Colin Glass & Surface Cleaner", "Colin", "500 ml", 115, "glass cleaner"),
        )),
        _Sub("Repellents & Fresheners", "mosquito, repellent, freshener, pooja", "keeps your home safe and fresh", (
            ("All Out Ultra Liquid Refill", "All Out", "45 ml", 85, "mosquito repellent, machhar"),
            ("Good Knight Gold Flash Liquid Refill", "Good Knight", "45 ml", 85, "mosquito repellent, machhar"),
            ("Hit Cockroach Killer Spray", "Hit", "200 ml", 199, "cockroach spray, insect killer"),
            ("Odonil Room Freshener Lavender", "Odonil", "50 g", 60, "air freshener"),
            ("Cycle Pure Agarbathies Three in One", "Cycle", "1 pack (120 g)", 90, "agarbatti, incense sticks"),
        )),
    )),
    ("Personal Care", (
        _Sub("Bath & Body", "soap, sabun, bath, body wash", "gentle care for everyday cleansing", (
            ("Dove Cream Beauty Bathing Bar", "Dove", "3 x 100 g", 175, "dove soap, beauty bar"),
            ("Lux Soft Touch Soap", "Lux", "4 x 100 g", 150, "lux soap"),
            ("Lifebuoy Total 10 Germ Protection Soap", "Lifebuoy", "4 x 100 g", 130, "lifebuoy soap"),
            ("Mysore Sandal Soap", "Mysore Sandal", "3 x 125 g", 215, "sandalwood soap, chandan, ksdl"),
            ("Santoor Sandal & Turmeric Soap", "Santoor", "4 x 100 g", 160, "santoor, chandan, haldi"),
            ("Dettol Original Liquid Handwash Refill", "Dettol", "750 ml", 99, "handwash, hand wash"),
            ("Dove Deeply Nourishing Body Wash", "Dove", "250 ml", 270, "body wash, shower gel"),
        )),
        _Sub("Hair Care", "hair, shampoo, hair oil, baal", "for strong, healthy and shiny hair", (
            ("Clinic Plus Strong & Long Shampoo", "Clinic Plus", "355 ml", 220, "shampoo"),
            ("Head & Shoulders Anti Dandruff Shampoo", "Head & Shoulders", "180 ml", 199, "anti dandruff shampoo"),
            ("Dove Intense Repair Shampoo", "Dove", "340 ml", 375, "shampoo, dove"),
            ("Pantene Hair Fall Control Shampoo", "Pantene", "340 ml", 360, "hair fall shampoo"),
            ("Himalaya Anti-Dandruff Shampoo", "Himalaya", "400 ml", 340, "anti dandruff shampoo, herbal"),
            ("Parachute 100% Pure Coconut Oil", "Parachute", "300 ml", 150, "coconut oil, nariyal tel, hair oil"),
            ("Dabur Amla Hair Oil", "Dabur", "275 ml", 150, "amla oil, hair oil"),
        )),
        _Sub("Oral Care", "toothpaste, paste, teeth, manjan", "for strong teeth and fresh breath", (
            ("Colgate Strong Teeth Toothpaste", "Colgate", "200 g", 120, "colgate, toothpaste"),
            ("Colgate MaxFresh Red Gel Toothpaste", "Colgate", "150 g", 110, "colgate, gel toothpaste"),
            ("Pepsodent Germicheck Toothpaste", "Pepsodent", "150 g", 99, "pepsodent"),
            ("Sensodyne Fresh Mint Toothpaste", "Sensodyne", "75 g", 185, "sensitive teeth"),
            ("Dabur Red Toothpaste", "Dabur", "200 g", 130, "ayurvedic toothpaste"),
            ("Patanjali Dant Kanti Toothpaste", "Patanjali", "200 g", 110, "dant kanti, ayurvedic"),
            ("Closeup Ever Fresh Red Hot Gel Toothpaste", "Closeup", "150 g", 115, "close up, gel toothpaste"),
            ("Colgate ZigZag Toothbrush (Medium)", "Colgate", "3 pcs", 99, "toothbrush, brush"),
            ("Listerine Cool Mint Mouthwash", "Listerine", "250 ml", 170, "mouthwash"),
        )),
        _Sub("Skin & Face Care", "skin care, face, cream, lotion", "dermatologically tested everyday care", (
            ("Himalaya Purifying Neem Face Wash", "Himalaya", "150 ml", 235, "face wash, neem"),
            ("Nivea Soft Light Moisturising Cream", "Nivea", "100 ml", 250, "moisturiser, cream"),
            ("Vaseline Intensive Care Deep Moisture Lotion", "Vaseline", "400 ml", 400, "body lotion"),
            ("Pond's Dreamflower Talc", "Pond's", "400 g", 250, "talcum powder, powder"),
            ("Boroline Antiseptic Cream", "Boroline", "20 g", 40, "antiseptic cream"),
        )),
        _Sub("Feminine Hygiene", "sanitary pads, periods, pads", "comfortable, all-day protection", (
            ("Whisper Ultra Clean XL+ Sanitary Pads", "Whisper", "30 pcs", 399, "whisper, napkin"),
            ("Stayfree Secure XL Sanitary Pads", "Stayfree", "20 pcs", 110, "stayfree, napkin"),
            ("Sofy Antibacteria Extra Long Sanitary Pads", "Sofy", "28 pcs", 340, "sofy, napkin"),
        )),
    )),
    ("Baby Care", (
        _Sub("Diapers & Wipes", "diapers, diaper, nappy, baby", "soft, leak-proof comfort for your baby", (
            ("Pampers All Round Protection Pants Medium", "Pampers", "56 pcs", 999, "diaper pants, m size"),
            ("Pampers All Round Protection Pants Large", "Pampers", "64 pcs", 1299, "diaper pants, l size"),
            ("Huggies Wonder Pants Medium", "Huggies", "76 pcs", 899, "diaper pants, m size"),
            ("MamyPoko Pants Extra Absorb Large", "MamyPoko", "42 pcs", 699, "diaper pants, l size"),
            ("Himalaya Gentle Baby Wipes", "Himalaya", "72 pcs", 199, "baby wipes, wet wipes"),
            ("Johnson's Baby Powder", "Johnson's", "200 g", 170, "baby powder"),
            ("Johnson's Baby No More Tears Shampoo", "Johnson's", "200 ml", 190, "baby shampoo"),
        ), max_per_order=5),
        _Sub("Baby Food", "baby food, infant, formula", "balanced nutrition for growing babies", (
            ("Nestle Cerelac Wheat Apple", "Nestle", "300 g", 250, "cerelac, baby cereal"),
            ("Nestle Cerelac Rice", "Nestle", "300 g", 240, "cerelac, baby cereal"),
            ("Nestle Lactogen 1 Infant Formula", "Nestle", "400 g", 495, "lactogen, formula milk"),
            ("Nestle NAN PRO 1 Infant Formula", "Nestle", "400 g", 900, "nan pro, formula milk"),
            ("Slurrp Farm Ragi & Banana Millet Cereal", "Slurrp Farm", "200 g", 220, "ragi, millet, baby cereal"),
        ), max_per_order=5),
    )),
    ("Pet Care", (
        _Sub("Dog Food", "dog food, dog, pet food, kutta", "complete and balanced nutrition for dogs", (
            ("Pedigree Adult Dry Dog Food Chicken & Vegetables", "Pedigree", "1.2 kg", 360, "pedigree, adult dog"),
            ("Pedigree Adult Dry Dog Food Chicken & Vegetables", "Pedigree", "3 kg", 810, "pedigree, adult dog"),
            ("Pedigree Puppy Dry Dog Food Chicken & Milk", "Pedigree", "1.2 kg", 385, "pedigree, puppy food"),
            ("Pedigree Gravy Chicken & Liver Chunks", "Pedigree", "70 g", 45, "wet dog food, gravy"),
            ("Drools Adult Dog Food Chicken & Egg", "Drools", "3 kg", 760, "drools, adult dog"),
            ("Purepet Chicken & Vegetables Adult Dog Food", "Purepet", "1.2 kg", 240, "purepet, adult dog"),
            ("Royal Canin Maxi Adult Dog Food", "Royal Canin", "4 kg", 3800, "royal canin, large breed"),
        ), max_per_order=5),
        _Sub("Cat Food", "cat food, cat, pet food, billi", "complete and balanced nutrition for cats", (
            ("Whiskas Adult Ocean Fish Dry Cat Food", "Whiskas", "1.2 kg", 460, "whiskas, adult cat"),
            ("Whiskas Tuna in Jelly Wet Cat Food", "Whiskas", "85 g", 45, "whiskas, wet cat food"),
            ("Whiskas Kitten Mackerel Dry Cat Food", "Whiskas", "450 g", 220, "whiskas, kitten food"),
            ("Me-O Tuna Adult Cat Food", "Me-O", "1.2 kg", 430, "meo, adult cat"),
            ("Drools Ocean Fish Adult Cat Food", "Drools", "1.2 kg", 380, "drools, adult cat"),
        ), max_per_order=5),
    )),
)


def _split_tags(*groups: str) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for tag in group.split(","):
            tag = tag.strip().lower()
            if tag:
                seen.setdefault(tag, None)
    return list(seen)


def _build_categories() -> tuple[list[dict[str, Any]], list[tuple[str, _Sub]]]:
    """The category rows (parents first, each followed by its subcategories) and (subcategory id, _Sub) pairs."""
    categories: list[dict[str, Any]] = []
    subs: list[tuple[str, _Sub]] = []
    for top_order, (top_name, children) in enumerate(_TREE, start=1):
        top_slug = slugify(top_name)
        top_id = make_id("cat", top_slug)
        categories.append(_category(top_id, top_name, top_slug, None, top_order))
        for order, sub in enumerate(children, start=1):
            slug = slugify(sub.name)
            sub_id = make_id("cat", slug)
            categories.append(_category(sub_id, sub.name, slug, top_id, order))
            subs.append((sub_id, sub))
    _require_unique("category slug", [c["slug"] for c in categories])
    return categories, subs


def _category(category_id: str, name: str, slug: str, parent_id: str | None, order: int) -> dict[str, Any]:
    return {
        "category_id": category_id,
        "name": name,
        "slug": slug,
        "parent_id": parent_id,
        "image": f"{CDN}/categories/{slug}.png",
        "sort_order": order,
    }


def product_images(slug: str) -> list[str]:
    """One image, or two for about half of the products (chosen by the slug's hash)."""
    images = [f"{CDN}/products/{slug}.jpg"]
    if _hash_int(f"img:{slug}") % 2:
        images.append(f"{CDN}/products/{slug}-2.jpg")
    return images


def _build_products(subs: list[tuple[str, _Sub]]) -> list[dict[str, Any]]:
    products: list[dict[str, Any]] = []
    for category_id, sub in subs:
        for item in sub.items:
            name, brand, unit, rupees, tags = item[:5]
            extra: dict[str, int] = item[5] if len(item) > 5 else {}
            slug = slugify(f"{name} {unit}")
            mrp = rupees * 100
            default_disc = DISCOUNTS[_hash_int(f"disc:{slug}") % len(DISCOUNTS)] if sub.discounts else 0
            products.append({
                "product_id": make_id("prd", slug),
                "name": name,
                "brand": brand,
                "category_id": category_id,
                "unit": unit,
                "mrp": mrp,
                "price": discounted(mrp, extra.get("disc", default_disc)),
                "images": product_images(slug),
                "tags": _split_tags(tags, sub.tags),
                "description": f"{name} ({unit}): {sub.blurb}.",
                "max_per_order": extra.get("max", sub.max_per_order),
                "is_active": True,
            })
    _require_unique("product slug", [slugify(f"{p['name']} {p['unit']}") for p in products])
    return products


def build_stock(
    stores: list[dict[str, Any]], product_ids: list[str], *, salt: str = "demo"
) -> list[dict[str, Any]]:
    """Per store, per product available units: mostly 5-80, ~5% out of stock, a few at 1-3 (low), and every
    store but the first leaves ~2% of the catalog unstocked (no row at all). Deterministic per `salt`."""
    rows: list[dict[str, Any]] = []
    for index, store in enumerate(stores):
        rng = random.Random(f"stock:{salt}:{store['store_id']}")
        unstocked = 0.02 if index else 0.0
        store_id = store["store_id"]
        for product_id in product_ids:
            roll = rng.random()
            if roll < unstocked:
                continue
            if roll < unstocked + 0.05:
                available = 0
            elif roll < unstocked + 0.08:
                available = 1 + int(rng.random() * 3)  # 1-3, low stock
            else:
                available = 5 + int(rng.random() * 76)  # 5-80
            rows.append({"store_id": store_id, "product_id": product_id, "available": available})
    return rows


def _require_unique(what: str, values: list[str]) -> None:
    if len(set(values)) != len(values):
        dupes = sorted({v for v in values if values.count(v) > 1})
        raise ValueError(f"duplicate {what}: {dupes}")


STORES: list[dict[str, Any]] = _build_stores()
CATEGORIES, _SUBCATEGORIES = _build_categories()
PRODUCTS: list[dict[str, Any]] = _build_products(_SUBCATEGORIES)
STOCK: list[dict[str, Any]] = build_stock(STORES, [p["product_id"] for p in PRODUCTS])


def catalog() -> dict[str, list[dict[str, Any]]]:
    """The whole demo catalog as fresh copies (callers may mutate them): stores, categories, products, stock."""
    return copy.deepcopy({"stores": STORES, "categories": CATEGORIES, "products": PRODUCTS, "stock": STOCK})
