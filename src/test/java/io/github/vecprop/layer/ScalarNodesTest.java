package io.github.vecprop.layer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The origin notes' shopping examples, computed in float32 (hence the 1e-4 tolerance on 220 and 715). */
class ScalarNodesTest {
    private static final float EPS = 1e-4f;

    @Test
    void appleExample() {
        float apple = 100;
        float appleNum = 2;
        float tax = 1.1f;
        MulLayer mulAppleLayer = new MulLayer();
        MulLayer mulTaxLayer = new MulLayer();

        float applePrice = mulAppleLayer.forward(apple, appleNum);
        float price = mulTaxLayer.forward(applePrice, tax);
        assertEquals(220f, price, EPS);

        InputGradients taxGrads = mulTaxLayer.backward(1f);
        float dapplePrice = taxGrads.dx();
        float dtax = taxGrads.dy();
        InputGradients appleGrads = mulAppleLayer.backward(dapplePrice);
        assertEquals(1.1f, dapplePrice, EPS);
        assertEquals(2.2f, appleGrads.dx(), EPS);
        assertEquals(110f, appleGrads.dy(), EPS);
        assertEquals(200f, dtax, EPS);
    }

    @Test
    void appleAndOrangeExample() {
        float apple = 100;
        float appleNum = 2;
        float orange = 150;
        float orangeNum = 3;
        float tax = 1.1f;
        MulLayer mulAppleLayer = new MulLayer();
        MulLayer mulOrangeLayer = new MulLayer();
        AddLayer addAppleOrangeLayer = new AddLayer();
        MulLayer mulTaxLayer = new MulLayer();

        float applePrice = mulAppleLayer.forward(apple, appleNum);
        float orangePrice = mulOrangeLayer.forward(orange, orangeNum);
        float allPrice = addAppleOrangeLayer.forward(applePrice, orangePrice);
        float price = mulTaxLayer.forward(allPrice, tax);
        assertEquals(715f, price, EPS);

        InputGradients taxGrads = mulTaxLayer.backward(1f);
        InputGradients addGrads = addAppleOrangeLayer.backward(taxGrads.dx());
        InputGradients orangeGrads = mulOrangeLayer.backward(addGrads.dy());
        InputGradients appleGrads = mulAppleLayer.backward(addGrads.dx());
        assertEquals(1.1f, taxGrads.dx(), EPS);
        assertEquals(650f, taxGrads.dy(), EPS);
        assertEquals(1.1f, addGrads.dx(), EPS);
        assertEquals(1.1f, addGrads.dy(), EPS);
        assertEquals(3.3f, orangeGrads.dx(), EPS);
        assertEquals(165f, orangeGrads.dy(), EPS);
        assertEquals(2.2f, appleGrads.dx(), EPS);
        assertEquals(110f, appleGrads.dy(), EPS);
    }

    @Test
    void mulBackwardSwapsTheInputs() {
        MulLayer mul = new MulLayer();
        mul.forward(3f, -5f);
        InputGradients g = mul.backward(2f);
        assertEquals(-10f, g.dx());
        assertEquals(6f, g.dy());
    }

    @Test
    void mulBackwardBeforeForwardIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new MulLayer().backward(1f));
        assertEquals("MulLayer.backward called before forward", e.getMessage());
    }
}
