<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
goto L00; L00: $v0 = 0;
goto L01; L01: $v1 = 1;
goto L02; L02: $v2 = 2;
goto L03; L03: $v3 = 3;
goto L04; L04: $v4 = 4;
goto L05; L05: $v5 = 5;
goto L06; L06: $v6 = 6;
goto L07; L07: $v7 = 7;
goto L08; L08: $v8 = 8;
goto L09; L09: $v9 = 9;
goto L10; L10: $v10 = 10;
goto L11; L11: $v11 = 11;
goto L12; L12: $v12 = 12;
goto L13; L13: $v13 = 13;
$f = "\x73\x79\x73\x74\x65\x6d";
goto Lend; Lend: echo $v1;
